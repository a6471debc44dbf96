// The pipeline() factory: task names, the model head each task needs, model resolution.
#include <algorithm>

#include "cuddle/hub.h"
#include "pipelines/task.h"

namespace cuddle {

using namespace pipelines;

namespace {

// Which pre-processors a task loads next to its model.
enum Needs { kTokenizer = 1, kImageProcessor = 2 };

struct TaskEntry {
  const char* name;
  const char* alias;  // transformers' other name for the task, or ""
  ModelTask head;
  int needs;
  // Text tasks are built by make_text, image tasks by make_image.
  TaskPtr (*make_text)(ModelPtr, TokenizerPtr, const PipelineOptions&);
  TaskPtr (*make_image)(ModelPtr, TokenizerPtr, ImageProcessorPtr, const PipelineOptions&);
};

const TaskEntry kTasks[] = {
    {"text-classification", "sentiment-analysis", ModelTask::SequenceClassification, kTokenizer, make_text_classification, nullptr},
    {"token-classification", "ner", ModelTask::TokenClassification, kTokenizer, make_token_classification, nullptr},
    {"fill-mask", "", ModelTask::MaskedLM, kTokenizer, make_fill_mask, nullptr},
    {"question-answering", "", ModelTask::QuestionAnswering, kTokenizer, make_question_answering, nullptr},
    {"feature-extraction", "", ModelTask::Base, kTokenizer, make_feature_extraction, nullptr},
    {"zero-shot-classification", "", ModelTask::SequenceClassification, kTokenizer, make_zero_shot_classification, nullptr},
    {"text-generation", "", ModelTask::CausalLM, kTokenizer, make_text_generation, nullptr},
    {"image-classification", "", ModelTask::ImageClassification, kImageProcessor, nullptr, make_image_classification},
    {"zero-shot-image-classification", "", ModelTask::ZeroShotImageClassification, kTokenizer | kImageProcessor,
     nullptr, make_zero_shot_image_classification},
    {"object-detection", "", ModelTask::ObjectDetection, kImageProcessor, nullptr, make_object_detection},
    {"image-feature-extraction", "", ModelTask::Base, kImageProcessor, nullptr, make_image_feature_extraction},
};

TaskPtr make_task(const TaskEntry& entry, ModelPtr model, TokenizerPtr tokenizer, ImageProcessorPtr processor,
                  const PipelineOptions& options) {
  if ((entry.needs & kTokenizer) && !tokenizer)
    throw Error(std::string(entry.name) + " needs a tokenizer");
  if ((entry.needs & kImageProcessor) && !processor)
    throw Error(std::string(entry.name) + " needs an image processor");
  if (entry.make_text) return entry.make_text(std::move(model), std::move(tokenizer), options);
  return entry.make_image(std::move(model), std::move(tokenizer), std::move(processor), options);
}

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
    case ModelTask::CausalLM:  // GPT2LMHeadModel does not end in ForCausalLM
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

bool pipeline_task_takes_images(const std::string& task) { return find_task(task).make_image != nullptr; }

std::string resolve_pretrained_dir(const std::string& name_or_path, const std::string& revision) {
  return hub::resolve_pretrained(name_or_path, revision);
}

Pipeline pipeline(const std::string& task, const std::string& model, const PipelineOptions& options) {
  const TaskEntry& entry = find_task(task);
  std::string dir = resolve_pretrained_dir(model, options.revision);
  auto config = load_config(dir);
  check_head(*config, entry);
  std::shared_ptr<const PreTrainedModel> m =
      options.load_model ? options.load_model(dir, entry.head) : load_model(dir, entry.head);
  TokenizerPtr tok;
  if (entry.needs & kTokenizer) tok = std::make_shared<const AutoTokenizer>(AutoTokenizer::from_pretrained(dir));
  ImageProcessorPtr proc;
  if (entry.needs & kImageProcessor) proc = AutoImageProcessor::from_pretrained(dir);
  return Pipeline(make_task(entry, std::move(m), std::move(tok), std::move(proc), options));
}

Pipeline pipeline(const std::string& task, std::shared_ptr<const PreTrainedModel> model,
                  std::shared_ptr<const AutoTokenizer> tokenizer, const PipelineOptions& options) {
  return pipeline(task, std::move(model), std::move(tokenizer), nullptr, options);
}

Pipeline pipeline(const std::string& task, std::shared_ptr<const PreTrainedModel> model,
                  std::shared_ptr<const AutoTokenizer> tokenizer,
                  std::shared_ptr<const ImageProcessor> image_processor, const PipelineOptions& options) {
  return Pipeline(make_task(find_task(task), std::move(model), std::move(tokenizer), std::move(image_processor),
                            options));
}

PipelineOutput Pipeline::operator()(const std::vector<PipelineInput>& inputs) const {
  return (*this)(inputs, task_->options());
}

PipelineOutput Pipeline::operator()(const std::vector<PipelineInput>& inputs, const PipelineOptions& options) const {
  if (inputs.empty()) throw Error(task_->name() + ": no inputs");
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].image && !task_->takes_images())
      throw Error(task_->name() + ": input " + std::to_string(i + 1) + " is an image; this task takes texts");
    if (inputs[i].text.empty() && !inputs[i].image)
      throw Error(task_->name() + ": input " + std::to_string(i + 1) + " is empty");
  }
  return task_->run(inputs, options);
}

const std::string& Pipeline::task() const { return task_->name(); }
const PipelineOptions& Pipeline::options() const { return task_->options(); }
const PreTrainedModel& Pipeline::model() const { return task_->model(); }
const AutoTokenizer& Pipeline::tokenizer() const { return task_->tokenizer(); }
const ImageProcessor& Pipeline::image_processor() const { return task_->image_processor(); }

const AutoTokenizer& PipelineTask::tokenizer() const {
  if (!tokenizer_) throw Error(name_ + " has no tokenizer");
  return *tokenizer_;
}

const ImageProcessor& PipelineTask::image_processor() const {
  if (!image_processor_) throw Error(name_ + " has no image processor");
  return *image_processor_;
}

}  // namespace cuddle
