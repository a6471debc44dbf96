// Renders the chat-template fixtures with @huggingface/jinja (the engine transformers.js
// uses) for the differential test (reference_test.cpp), passing what transformers'
// apply_chat_template passes: messages, tools and documents (null when absent),
// add_generation_prompt, the config's special tokens as strings, then the extra variables.
//   usage: node render_reference.js FIXTURE_DIR OUTPUT_JSON
// FIXTURE_DIR (tests/fixtures/chat_templates) holds one model folder per template
// (tokenizer_config.json, optionally chat_template.jinja, which wins over the config's
// template), conversations.json ({name: {messages, tools?, documents?}}) and cases.json
// ([{model, conversations: [names], extra?}]); every case renders without and with
// add_generation_prompt. OUTPUT_JSON: [{model, conversation, add_generation_prompt,
// text | error}] in that order.
const { Template } = require('@huggingface/jinja');
const fs = require('fs');
const path = require('path');

const [dir, outFile] = process.argv.slice(2);
const readJson = (f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
const conversations = readJson('conversations.json');
const tokenText = (t) => (typeof t === 'string' ? t : t && typeof t.content === 'string' ? t.content : undefined);

// transformers' template choice: a string, or a named list ("tool_use" with tools, else "default").
function templateOf(model, tools) {
  const config = readJson(path.join(model, 'tokenizer_config.json'));
  const file = path.join(dir, model, 'chat_template.jinja');
  const t = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : config.chat_template;
  if (typeof t === 'string') return [config, t];
  const named = (n) => t.find((e) => e.name === n)?.template;
  return [config, (tools && named('tool_use')) || named('default')];
}

const out = [];
for (const c of readJson('cases.json')) {
  for (const name of c.conversations) {
    const conv = conversations[name];
    for (const addGenerationPrompt of [false, true]) {
      const [config, source] = templateOf(c.model, conv.tools);
      const vars = {
        messages: conv.messages,
        tools: conv.tools ?? null,
        documents: conv.documents ?? null,
        add_generation_prompt: addGenerationPrompt,
      };
      for (const token of ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token']) {
        const text = tokenText(config[token]);
        if (text !== undefined) vars[token] = text;
      }
      Object.assign(vars, c.extra ?? {});
      const entry = { model: c.model, conversation: name, add_generation_prompt: addGenerationPrompt };
      if (c.extra) entry.extra = c.extra;
      try {
        entry.text = new Template(source).render(vars);
      } catch (e) {
        entry.error = String(e.message ?? e);
      }
      out.push(entry);
    }
  }
}
fs.writeFileSync(outFile, JSON.stringify(out, null, 1) + '\n');
