// LoRA / QLoRA setup shared by the `cuddle train` flows (lora_task.h).
#include "training/tasks/lora_task.h"

#include <iostream>

#include "cuddle/error.h"
#include "training/tasks/quantized_training.h"

namespace cuddle::training {

namespace {

// peft's default LoRA targets (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING) for the
// families cuddle trains.
std::vector<std::string> default_lora_targets(const std::string& model_type) {
  if (model_type == "bert" || model_type == "roberta" || model_type == "xlm-roberta" || model_type == "vit")
    return {"query", "value"};
  if (model_type == "distilbert") return {"q_lin", "v_lin"};
  if (model_type == "llama" || model_type == "mistral" || model_type == "qwen2" || model_type == "qwen3")
    return {"q_proj", "v_proj"};
  if (model_type == "gpt2") return {"c_attn"};
  throw Error("--use_peft: no default LoRA target modules for model_type \"" + model_type +
              "\"; name them with --lora_target_modules");
}

// The LoRA configuration --use_peft asks for (or --adapter's, which is trained further).
peft::LoraConfig lora_config_for(const TaskArguments& task, ModelTask mtask, const std::string& model_type,
                                 const std::string& model_dir) {
  if (!task.adapter.empty()) return peft::LoraConfig::from_pretrained(task.adapter);
  peft::LoraConfig cfg;
  cfg.r = task.lora_r;
  cfg.lora_alpha = task.lora_alpha;
  cfg.lora_dropout = task.lora_dropout;
  cfg.target_modules = task.lora_target_modules.empty() ? default_lora_targets(model_type) : task.lora_target_modules;
  cfg.modules_to_save = task.lora_modules_to_save;
  cfg.task_type = mtask == ModelTask::SequenceClassification ? "SEQ_CLS"
                  : mtask == ModelTask::TokenClassification  ? "TOKEN_CLS"
                  : mtask == ModelTask::CausalLM             ? "CAUSAL_LM"
                  : mtask == ModelTask::QuestionAnswering    ? "QUESTION_ANS"
                                                             : "";
  // Image classification has no peft task type; its head is saved in full as peft's
  // examples do with modules_to_save.
  if (mtask == ModelTask::ImageClassification && cfg.modules_to_save.empty()) cfg.modules_to_save = {"classifier"};
  cfg.base_model_name_or_path = model_dir;
  return cfg;
}

}  // namespace

std::optional<peft::LoraConfig> adapter_setup(PreTrainedModel& model, const TaskArguments& task, ModelTask mtask,
                                              const std::string& model_dir) {
  std::optional<peft::LoraConfig> lora;
  if (task.use_peft || !task.adapter.empty()) lora = lora_config_for(task, mtask, model.config().model_type, model_dir);
  if (const auto quantization = training_quantization(task, model_dir)) {
    if (!lora)
      throw Error("cuddle train: a quantized model cannot be fine-tuned on its own (its weights are frozen); add "
                  "--use_peft to train LoRA adapters on top of it (QLoRA)");
    quantize_for_training(model, *quantization, *lora);
  }
  return lora;
}

std::shared_ptr<peft::PeftModel> attach_lora(std::shared_ptr<PreTrainedModel> model, const TaskArguments& task,
                                             const peft::LoraConfig& cfg, Trainer& trainer) {
  std::shared_ptr<peft::PeftModel> lora;
  if (!task.adapter.empty()) {
    peft::AdapterLoadOptions o;
    o.is_trainable = true;
    lora = std::make_shared<peft::PeftModel>(peft::PeftModel::from_pretrained(model, task.adapter, o));
  } else {
    lora = std::make_shared<peft::PeftModel>(peft::get_peft_model(model, cfg));
  }
  std::cerr << lora->trainable_parameters_line() << "\n";
  TrainableView view;
  view.parameter_groups = [lora](double lr, double wd) { return lora->parameter_groups(lr, wd); };
  view.save = [lora](const std::string& dir) { lora->save_pretrained(dir); };
  // A checkpoint's adapter replaces the one in training, under the same name.
  view.load = [lora](const std::string& dir) {
    const std::string name = lora->active_adapter();
    peft::AdapterLoadOptions o;
    o.is_trainable = true;
    lora->load_adapter(dir, name + "_loading", o);
    lora->set_adapter(name + "_loading");
    lora->delete_adapter(name);
    lora->load_adapter(dir, name, o);
    lora->set_adapter(name);
    lora->delete_adapter(name + "_loading");
  };
  trainer.set_trainable_view(view);
  return lora;
}

}  // namespace cuddle::training
