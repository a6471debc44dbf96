#include <gtest/gtest.h>

#include "cuddle/mapped_file.h"
#include "cuddle/tensor.h"
#include "test_util.h"

using namespace cuddle;

namespace {
Tensor iota(const Shape& s) {
  std::vector<float> v(static_cast<size_t>(shape_numel(s)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  return Tensor::from_vector(v, s);
}
}  // namespace

TEST(Tensor, StorageIs64ByteAligned) {
  for (int n : {1, 3, 17, 1000}) {
    Tensor t = Tensor::zeros({n});
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u);
  }
}

TEST(Tensor, ReshapeIsAViewWhenContiguous) {
  Tensor t = iota({2, 3, 4});
  Tensor r = t.reshape({6, -1});
  EXPECT_EQ(r.shape(), (Shape{6, 4}));
  EXPECT_EQ(r.raw_data(), t.raw_data());
  EXPECT_THROW(t.reshape({5, -1}), ShapeError);
  EXPECT_THROW(t.reshape({-1, -1}), ShapeError);
}

TEST(Tensor, TransposeAndContiguous) {
  Tensor t = iota({2, 3});
  Tensor tt = t.transpose(0, 1);
  EXPECT_FALSE(tt.is_contiguous());
  EXPECT_EQ(tt.shape(), (Shape{3, 2}));
  EXPECT_EQ(tt.item_as_double({2, 1}), 5.0);
  Tensor c = tt.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_EQ(c.to_float_vector(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  // reshape of a non-contiguous view copies
  EXPECT_EQ(tt.reshape({6}).to_float_vector(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
}

TEST(Tensor, PermuteSliceSelect) {
  Tensor t = iota({2, 3, 4});
  Tensor p = t.permute({2, 0, 1});
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.item_as_double({3, 1, 2}), 1 * 12 + 2 * 4 + 3);
  Tensor s = t.slice(2, 1, 4, 2);  // columns 1 and 3
  EXPECT_EQ(s.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(s.contiguous().to_float_vector()[0], 1);
  EXPECT_EQ(s.contiguous().to_float_vector()[1], 3);
  Tensor neg = t.slice(1, -2, 3);
  EXPECT_EQ(neg.shape(), (Shape{2, 2, 4}));
  EXPECT_EQ(neg.item_as_double({0, 0, 0}), 4);
  Tensor sel = t.select(0, 1);
  EXPECT_EQ(sel.shape(), (Shape{3, 4}));
  EXPECT_EQ(sel.item_as_double({0, 0}), 12);
  EXPECT_THROW(t.select(0, 2), ShapeError);
  EXPECT_THROW(t.permute({0, 0, 1}), ShapeError);
  EXPECT_EQ(t.unsqueeze(1).shape(), (Shape{2, 1, 3, 4}));
  EXPECT_EQ(t.unsqueeze(-1).shape(), (Shape{2, 3, 4, 1}));
  EXPECT_EQ(t.unsqueeze(0).squeeze(0).shape(), t.shape());
}

TEST(Tensor, DtypeConversions) {
  Tensor t = Tensor::from_vector<float>({1.5f, -2.25f, 65504.0f}, {3});
  Tensor h = t.to(DType::F16);
  EXPECT_EQ(h.dtype(), DType::F16);
  EXPECT_EQ(h.to(DType::F32).to_float_vector(), t.to_float_vector());
  Tensor b = t.to(DType::BF16).to(DType::F32);
  EXPECT_EQ(b.to_float_vector()[0], 1.5f);
  Tensor i = Tensor::from_vector<int64_t>({-1, 1099511627776LL}, {2});
  EXPECT_EQ(i.to(DType::I64).to_int_vector()[1], 1099511627776LL);
  EXPECT_EQ(i.to(DType::F64).item_as_double({1}), 1099511627776.0);
  Tensor u = Tensor::from_vector<uint8_t>({0, 255}, {2});
  EXPECT_EQ(u.to(DType::F32).to_float_vector()[1], 255.0f);
  EXPECT_THROW(t.data<int64_t>(), ShapeError);
}

TEST(Tensor, MappedStorageIsZeroCopy) {
  test::TempDir dir;
  std::string bytes(16, '\0');
  float vals[4] = {1, 2, 3, 4};
  memcpy(bytes.data(), vals, 16);
  test::write_file(dir / "f.bin", bytes);
  auto m = MappedFile::open(dir / "f.bin");
  auto storage = std::make_shared<Storage>(const_cast<unsigned char*>(m->data()), m->size(), m);
  Tensor t = Tensor::from_storage(storage, DType::F32, {2, 2}, 0);
  EXPECT_EQ(t.raw_data(), static_cast<const void*>(m->data()));
  EXPECT_EQ(t.item_as_double({1, 0}), 3);
  Tensor tail = Tensor::from_storage(storage, DType::F32, {1}, 12);
  EXPECT_EQ(tail.item_as_double({0}), 4);
  EXPECT_THROW(Tensor::from_storage(storage, DType::F32, {5}, 0), ShapeError);
  EXPECT_THROW(Tensor::from_storage(storage, DType::F32, {1}, 2), ShapeError);
  EXPECT_THROW(MappedFile::open(dir / "missing"), IoError);
}
