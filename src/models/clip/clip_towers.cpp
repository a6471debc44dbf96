#include "models/clip/clip_towers.h"

#include <algorithm>
#include <cstring>

#include "cuddle/ops.h"

namespace cuddle::models {

namespace {

const PreNormLayerNames kCLIPLayerNames{"layer_norm1",      "self_attn.q_proj", "self_attn.k_proj",
                                        "self_attn.v_proj", "self_attn.out_proj", "layer_norm2",
                                        "mlp.fc1",          "mlp.fc2"};

constexpr int64_t kLegacyEndOfText = 49407;

// Rows rows[b] of x [B, S, D] -> [B, D].
Tensor gather_rows(const Tensor& x, const std::vector<int64_t>& rows) {
  const int64_t B = x.size(0), S = x.size(1), D = x.size(2);
  const Tensor c = x.contiguous();
  Tensor out = Tensor::empty({B, D});
  for (int64_t b = 0; b < B; ++b)
    std::memcpy(out.data<float>() + b * D, c.data<float>() + (b * S + rows[b]) * D, D * sizeof(float));
  return out;
}

}  // namespace

CLIPEncoder::CLIPEncoder(const CLIPTowerConfig& c) {
  const PreNormLayerShape shape{c.hidden_size, c.intermediate_size, c.num_attention_heads,
                                c.activation, c.layer_norm_eps, /*qkv_bias=*/true};
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    layers.push_back(std::make_unique<PreNormEncoderLayer>(shape, kCLIPLayerNames));
    register_module("layers." + std::to_string(i), *layers.back());
  }
}

Tensor CLIPEncoder::forward(const Tensor& x, const Tensor& attention_mask, bool causal) const {
  Tensor h = x;
  for (const auto& layer : layers) h = layer->forward(h, attention_mask, causal);
  return h;
}

// ---- text ----

CLIPTextTransformer::CLIPTextTransformer(const CLIPTextConfig& c)
    : token_embedding(c.vocab_size, c.hidden_size),
      position_embedding(c.max_position_embeddings, c.hidden_size),
      encoder(c),
      final_layer_norm(c.hidden_size, static_cast<float>(c.layer_norm_eps)),
      config_(c) {
  register_module("embeddings.token_embedding", token_embedding);
  register_module("embeddings.position_embedding", position_embedding);
  register_module("encoder", encoder);
  register_module("final_layer_norm", final_layer_norm);
}

std::vector<int64_t> clip_pooling_positions(const Tensor& input_ids, int64_t eos_token_id) {
  const Tensor ids = input_ids.to(DType::I64).contiguous();
  const int64_t B = ids.size(0), S = ids.size(1);
  const int64_t* p = ids.data<int64_t>();
  bool legacy = true;
  for (int64_t b = 0; b < B && legacy; ++b)
    legacy = *std::max_element(p + b * S, p + (b + 1) * S) == kLegacyEndOfText;
  std::vector<int64_t> pos(B, 0);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t* row = p + b * S;
    const int64_t* hit =
        legacy ? std::max_element(row, row + S) : std::find(row, row + S, eos_token_id);
    pos[b] = hit == row + S ? 0 : hit - row;
  }
  return pos;
}

TowerOutput CLIPTextTransformer::forward(const Tensor& input_ids, const Tensor& attention_mask,
                                         const std::string& model) const {
  const std::string who = model + ": ";
  if (!input_ids.defined() || input_ids.dim() != 2 || input_ids.size(1) < 1)
    throw ShapeError(who + "input_ids must be [batch, sequence], got " +
                     (input_ids.defined() ? input_ids.describe() : "nothing"));
  if (attention_mask.defined() && attention_mask.shape() != input_ids.shape())
    throw ShapeError(who + "attention_mask " + attention_mask.describe() + " must match input_ids " +
                     input_ids.describe());
  const int64_t S = input_ids.size(1);
  if (S > config_.max_position_embeddings)
    throw ShapeError(who + "sequence length " + std::to_string(S) +
                     " exceeds max_position_embeddings " +
                     std::to_string(config_.max_position_embeddings));
  Tensor h = ops::add(token_embedding.forward(input_ids),
                      position_embedding.weight.slice(0, 0, S));
  TowerOutput out;
  out.last_hidden_state =
      final_layer_norm.forward(encoder.forward(h, attention_mask, /*causal=*/true));
  out.pooled = gather_rows(out.last_hidden_state,
                           clip_pooling_positions(input_ids, config_.eos_token_id));
  return out;
}

// ---- vision ----

CLIPVisionTransformer::CLIPVisionTransformer(const CLIPVisionConfig& c)
    : patch_embedding(c.num_channels, c.hidden_size, c.patch_size, /*bias=*/false),
      position_embedding(1 + (c.image_size / c.patch_size) * (c.image_size / c.patch_size),
                         c.hidden_size),
      pre_layrnorm(c.hidden_size, static_cast<float>(c.layer_norm_eps)),
      encoder(c),
      post_layernorm(c.hidden_size, static_cast<float>(c.layer_norm_eps)),
      config_(c) {
  register_parameter("embeddings.class_embedding", class_embedding, {c.hidden_size});
  register_module("embeddings.patch_embedding", patch_embedding);
  register_module("embeddings.position_embedding", position_embedding);
  register_module("pre_layrnorm", pre_layrnorm);
  register_module("encoder", encoder);
  register_module("post_layernorm", post_layernorm);
}

TowerOutput CLIPVisionTransformer::forward(const ModelInputs& in, const std::string& model) const {
  check_pixel_values(in, config_.num_channels, config_.image_size, config_.patch_size, model);
  Tensor h = pre_layrnorm.forward(
      embed_patches(in.pixel_values, patch_embedding, class_embedding, position_embedding.weight));
  TowerOutput out;
  out.last_hidden_state = encoder.forward(h, {}, /*causal=*/false);
  out.pooled = post_layernorm.forward(out.last_hidden_state.select(1, 0));
  return out;
}

}  // namespace cuddle::models
