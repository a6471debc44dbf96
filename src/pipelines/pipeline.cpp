// The pipeline() factory: task names, the model head each task needs, model resolution.
#include <algorithm>

#include "cuddle/hub.h"
#include "pipelines/task.h"

namespace cuddle {

using namespace pipelines;

namespace {

struct TaskEntry {
  const char* name;
  const char* alias;  // transformers' other name for the task, or ""
  ModelTask head;
  TaskPtr (*make)(ModelPtr, TokenizerPtr, const PipelineOptions&);
};

const TaskEntry kTasks[] = {
    {"text-classification", "sentiment-analysis", ModelTask::SequenceClassification, make_text_classification},
    {"token-classification", "ner", ModelTask::TokenClassification, make_token_classification},
    {"fill-mask", "", ModelTask::MaskedLM, make_fill_mask},
    {"question-answering", "", ModelTask::QuestionAnswering, make_question_answering},
    {"feature-extraction", "", ModelTask::Base, make_feature_extraction},
    {"zero-shot-classification", "", ModelTask::SequenceClassification, make_zero_shot_classification},
};

const TaskEntry& find_task(const std::string& task) {
  for (const auto& t : kTasks)
    if (task == t.name || (*t.alias && task == t.alias)) return t;
  std::string known;
  for (const auto& n : supported_pipeline_tasks()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown pipeline task \"" + task + "\" (supported: " + known + ")");
}

// The class-name ending of each head, as transformers names its model classes.
const char* head_suffix(ModelTask head) {
  switch (head) {
    case ModelTask::SequenceClassification: return "ForSequenceClassification";
    case ModelTask::TokenClassification: return "ForTokenClassification";
    case ModelTask::MaskedLM: return "ForMaskedLM";
    case ModelTask::QuestionAnswering: return "ForQuestionAnswering";
    case ModelTask::ImageClassification: return "ForImageClassification";
    case ModelTask::ObjectDetection: return "ForObjectDetection";
    case ModelTask::Base:
    case ModelTask::ZeroShotImageClassification: return "";
  }
  return "";
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A checkpoint saved from another head lacks the weights this task needs; transformers
// would initialise them randomly and answer noise, cuddle refuses.
void check_head(const ModelConfig& config, const TaskEntry& task) {
  std::string suffix = head_suffix(task.head);
  if (suffix.empty() || config.architectures.empty()) return;
  const std::string& arch = config.architectures[0];
  if (!ends_with(arch, suffix))
    throw Error(config.path + ": " + task.name + " needs a *" + suffix + " model (" +
                std::string(task_name(task.head)) + "), but this checkpoint is " + arch);
}

}  // namespace

std::vector<std::string> supported_pipeline_tasks() {
  std::vector<std::string> out;
  for (const auto& t : kTasks) {
    out.push_back(t.name);
    if (*t.alias) out.push_back(t.alias);
  }
  return out;
}

std::string resolve_pretrained_dir(const std::string& name_or_path, const std::string& revision) {
  return hub::resolve_pretrained(name_or_path, revision);
}

Pipeline pipeline(const std::string& task, const std::string& model, const PipelineOptions& options) {
  const TaskEntry& entry = find_task(task);
  std::string dir = resolve_pretrained_dir(model, options.revision);
  auto config = load_config(dir);
  check_head(*config, entry);
  std::shared_ptr<const PreTrainedModel> m = load_model(dir, entry.head);
  auto tok = std::make_shared<const AutoTokenizer>(AutoTokenizer::from_pretrained(dir));
  return Pipeline(entry.make(std::move(m), std::move(tok), options));
}

Pipeline pipeline(const std::string& task, std::shared_ptr<const PreTrainedModel> model,
                  std::shared_ptr<const AutoTokenizer> tokenizer, const PipelineOptions& options) {
  return Pipeline(find_task(task).make(std::move(model), std::move(tokenizer), options));
}

PipelineOutput Pipeline::operator()(const std::vector<PipelineInput>& inputs) const {
  return (*this)(inputs, task_->options());
}

PipelineOutput Pipeline::operator()(const std::vector<PipelineInput>& inputs, const PipelineOptions& options) const {
  if (inputs.empty()) throw Error(task_->name() + ": no inputs");
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].text.empty())
      throw Error(task_->name() + ": input " + std::to_string(i + 1) + " is empty");
  return task_->run(inputs, options);
}

const std::string& Pipeline::task() const { return task_->name(); }
const PipelineOptions& Pipeline::options() const { return task_->options(); }
const PreTrainedModel& Pipeline::model() const { return task_->model(); }
const AutoTokenizer& Pipeline::tokenizer() const { return task_->tokenizer(); }

}  // namespace cuddle
