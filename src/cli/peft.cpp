// `cuddle peft merge --adapter A [--base B] --out DIR`: folds a LoRA adapter into its base
// model and writes a full model folder (config.json, model.safetensors, the base's tokenizer
// and processor files) that every command loads like any model (docs/peft.md).
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cuddle/hub.h"
#include "cuddle/peft.h"
#include "cuddle/quant.h"

namespace cuddle::cli {
namespace {
struct MergeArgs {
  std::string adapter, base, out, revision = "main";
  bool json = false;
};
}  // namespace

CUDDLE_CLI_COMMAND("peft", [](CLI::App& app) {
  auto* cmd = app.add_subcommand("peft", "PEFT LoRA adapters: merge one into its base model");
  cmd->require_subcommand(1);
  auto* merge = cmd->add_subcommand("merge", "Merge a LoRA adapter into its base and write a full model folder");
  auto a = std::make_shared<MergeArgs>();
  merge->add_option("--adapter", a->adapter, "adapter folder or Hub repo id (adapter_config.json + "
                                             "adapter_model.safetensors)")->required();
  merge->add_option("--base", a->base, "base model folder or repo id (default: the adapter's base_model_name_or_path)");
  merge->add_option("--revision", a->revision, "branch, tag or commit of a repo id (default main)");
  merge->add_option("--out", a->out, "folder to write the merged model to")->required();
  merge->add_flag("--json", a->json, "print what was written as JSON");
  return [a]() {
    const std::string adapter_dir = hub::resolve_pretrained(a->adapter, a->revision);
    const std::string base_dir =
        a->base.empty() ? peft::adapter_base_dir(adapter_dir) : hub::resolve_pretrained(a->base, a->revision);
    const std::string task_type = peft::LoraConfig::from_pretrained(adapter_dir).task_type;
    // A folder saved quantized loads quantized, and merging refuses it with its reason.
    std::shared_ptr<PreTrainedModel> base;
    try {
      base = quant::load_quantized_model(base_dir, peft::task_for(task_type), std::nullopt);
    } catch (const Error& e) {
      throw Error("peft merge: the adapter's task_type " + task_type + " needs a head that " + base_dir +
                  " cannot load (" + e.what() + "); was the adapter made for another architecture?");
    }
    peft::PeftModel lora = peft::PeftModel::from_pretrained(base, adapter_dir);
    const size_t adapters = lora.adapter_state_dict(lora.active_adapter()).size();
    std::shared_ptr<PreTrainedModel> merged = lora.merge_and_unload();
    save_pretrained(*merged, a->out);
    copy_companion_files(base_dir, a->out);
    if (a->json) {
      std::cout << nlohmann::json{{"out", a->out}, {"base", base_dir}, {"model", merged->class_name()},
                                  {"adapter_tensors", adapters}}.dump() << "\n";
    } else {
      std::cout << merged->class_name() << " + " << a->adapter << " merged -> " << a->out << "\n";
    }
    return 0;
  };
});

}  // namespace cuddle::cli
