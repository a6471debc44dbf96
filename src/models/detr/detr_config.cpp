#include "models/detr/detr_config.h"

#include "cuddle/error.h"

namespace cuddle::models {

std::shared_ptr<DetrConfig> read_detr_config(const ConfigReader& r) {
  auto c = std::make_shared<DetrConfig>();
  c->d_model = r.integer("d_model", c->d_model);
  c->encoder_layers = r.integer("encoder_layers", c->encoder_layers);
  c->encoder_attention_heads = r.integer("encoder_attention_heads", c->encoder_attention_heads);
  c->encoder_ffn_dim = r.integer("encoder_ffn_dim", c->encoder_ffn_dim);
  c->decoder_layers = r.integer("decoder_layers", c->decoder_layers);
  c->decoder_attention_heads = r.integer("decoder_attention_heads", c->decoder_attention_heads);
  c->decoder_ffn_dim = r.integer("decoder_ffn_dim", c->decoder_ffn_dim);
  c->num_queries = r.integer("num_queries", c->num_queries);
  c->activation_function = r.string("activation_function", c->activation_function);
  c->activation = r.activation("activation_function", c->activation_function);
  const std::string pos = r.string("position_embedding_type", "sine");
  if (pos != "sine" && pos != "learned") r.fail("position_embedding_type", "\"sine\" or \"learned\"");
  c->learned_positions = pos == "learned";
  for (const char* key : {"d_model", "encoder_attention_heads", "encoder_ffn_dim",
                          "decoder_attention_heads", "decoder_ffn_dim", "num_queries"})
    if (r.integer(key, 1) < 1) r.fail(key, "a positive integer");
  for (const char* key : {"encoder_layers", "decoder_layers"})
    if (r.integer(key, 0) < 0) r.fail(key, "a non-negative integer");
  // The sine embedding splits d_model between y and x, each in sin / cos pairs.
  if (c->d_model % 4 != 0 && !c->learned_positions) r.fail("d_model", "a multiple of 4");
  if (c->d_model % 2 != 0) r.fail("d_model", "an even number");
  if (c->d_model % c->encoder_attention_heads != 0)
    r.fail("encoder_attention_heads", "a divisor of d_model (" + std::to_string(c->d_model) + ")");
  if (c->d_model % c->decoder_attention_heads != 0)
    r.fail("decoder_attention_heads", "a divisor of d_model (" + std::to_string(c->d_model) + ")");

  // What this implementation runs: transformers' own ResNet as the backbone.
  if (r.boolean("use_timm_backbone", false))
    r.fail("use_timm_backbone",
           "false (timm backbones are not supported; use a backbone_config with model_type "
           "\"resnet\")");
  if (r.boolean("dilation", false)) r.fail("dilation", "false (dilated backbones are not supported)");
  const auto& j = r.json();
  auto it = j.find("backbone_config");
  if (it == j.end() || !it->is_object())
    r.fail("backbone_config", "a ResNet config (model_type \"resnet\"); named timm / Hub backbones "
                              "are not supported");
  const ConfigReader nested(*it, r.path() + ": backbone_config");
  const std::string type = nested.string("model_type", "");
  if (type != "resnet") nested.fail("model_type", "\"resnet\" (the only DETR backbone supported)");
  c->backbone = read_resnet_config(nested);
  return c;
}

}  // namespace cuddle::models
