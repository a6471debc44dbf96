// Arrow IPC schema conversion in both directions.
#include "ipc_schema.h"

#include "cuddle/error.h"

namespace cuddle::arrow::ipc {

namespace {

KeyValues key_values(const flatbuffers::Vector<flatbuffers::Offset<fb::KeyValue>>* kvs) {
  KeyValues out;
  if (!kvs) return out;
  for (const auto* kv : *kvs)
    out.emplace_back(kv->key() ? kv->key()->str() : "", kv->value() ? kv->value()->str() : "");
  return out;
}

TimeUnit time_unit(fb::TimeUnit u) {
  switch (u) {
    case fb::TimeUnit_SECOND: return TimeUnit::Second;
    case fb::TimeUnit_MILLISECOND: return TimeUnit::Milli;
    case fb::TimeUnit_MICROSECOND: return TimeUnit::Micro;
    default: return TimeUnit::Nano;
  }
}

Field field_from(const fb::Field& f, const std::string& where, int depth) {
  Field out;
  out.name = f.name() ? f.name()->str() : "";
  out.nullable = f.nullable();
  out.metadata = key_values(f.custom_metadata());
  auto fail = [&](const std::string& what) -> Field {
    throw FormatError(where + ": field '" + out.name + "': " + what);
  };
  if (depth > 64) fail("nested more than 64 levels deep");
  if (f.dictionary()) fail("dictionary-encoded columns are not supported");
  std::vector<Field> children;
  if (f.children())
    for (const auto* c : *f.children()) {
      if (!c) fail("null child field");
      children.push_back(field_from(*c, where, depth + 1));
    }
  auto one_child = [&] {
    if (children.size() != 1) fail("a list type needs exactly one child field");
    return children[0];
  };
  switch (f.type_type()) {
    case fb::Type_Null: out.type = null_type(); break;
    case fb::Type_Bool: out.type = boolean(); break;
    case fb::Type_Int: {
      const auto* t = f.type_as_Int();
      if (!t) fail("Int type without parameters");
      static const Type s[] = {Type::Int8, Type::Int16, Type::Int32, Type::Int64};
      static const Type u[] = {Type::UInt8, Type::UInt16, Type::UInt32, Type::UInt64};
      int k = t->bitWidth() == 8 ? 0 : t->bitWidth() == 16 ? 1 : t->bitWidth() == 32 ? 2 : t->bitWidth() == 64 ? 3 : -1;
      if (k < 0) fail("integer bit width " + std::to_string(t->bitWidth()) + " (expected 8, 16, 32 or 64)");
      out.type = primitive(t->is_signed() ? s[k] : u[k]);
      break;
    }
    case fb::Type_FloatingPoint: {
      const auto* t = f.type_as_FloatingPoint();
      if (!t) fail("FloatingPoint type without parameters");
      out.type = t->precision() == fb::Precision_HALF     ? float16()
                 : t->precision() == fb::Precision_SINGLE ? float32()
                                                          : float64();
      break;
    }
    case fb::Type_Utf8: out.type = utf8(); break;
    case fb::Type_LargeUtf8: out.type = large_utf8(); break;
    case fb::Type_Binary: out.type = binary(); break;
    case fb::Type_LargeBinary: out.type = large_binary(); break;
    case fb::Type_Date: {
      const auto* t = f.type_as_Date();
      out.type = t && t->unit() == fb::DateUnit_DAY ? date32() : date64();
      break;
    }
    case fb::Type_Timestamp: {
      const auto* t = f.type_as_Timestamp();
      if (!t) fail("Timestamp type without parameters");
      out.type = timestamp(time_unit(t->unit()), t->timezone() ? t->timezone()->str() : "");
      break;
    }
    case fb::Type_List: {
      auto c = one_child();
      auto t = std::make_shared<DataType>(*list(c.type));
      t->children[0] = c;
      out.type = t;
      break;
    }
    case fb::Type_LargeList: {
      auto c = one_child();
      auto t = std::make_shared<DataType>(*large_list(c.type));
      t->children[0] = c;
      out.type = t;
      break;
    }
    case fb::Type_FixedSizeList: {
      const auto* p = f.type_as_FixedSizeList();
      if (!p || p->listSize() < 0) fail("FixedSizeList without a valid list size");
      auto c = one_child();
      auto t = std::make_shared<DataType>(*fixed_size_list(c.type, p->listSize()));
      t->children[0] = c;
      out.type = t;
      break;
    }
    case fb::Type_Struct_: out.type = struct_(children); break;
    default:
      fail(std::string("Arrow type '") + fb::EnumNameType(f.type_type()) + "' is not supported");
  }
  return out;
}

}  // namespace

Schema schema_from_flatbuffer(const fb::Schema& s, const std::string& where) {
  if (s.endianness() != fb::Endianness_Little) throw FormatError(where + ": big-endian Arrow data is not supported");
  Schema out;
  out.metadata = key_values(s.custom_metadata());
  if (s.fields())
    for (const auto* f : *s.fields()) {
      if (!f) throw FormatError(where + ": null field in the schema");
      out.fields.push_back(field_from(*f, where, 0));
    }
  return out;
}

namespace {

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::KeyValue>>> write_key_values(
    flatbuffers::FlatBufferBuilder& b, const KeyValues& kvs) {
  if (kvs.empty()) return 0;
  std::vector<flatbuffers::Offset<fb::KeyValue>> v;
  for (const auto& [k, val] : kvs) v.push_back(fb::CreateKeyValueDirect(b, k.c_str(), val.c_str()));
  return b.CreateVector(v);
}

fb::TimeUnit fb_unit(TimeUnit u) {
  switch (u) {
    case TimeUnit::Second: return fb::TimeUnit_SECOND;
    case TimeUnit::Milli: return fb::TimeUnit_MILLISECOND;
    case TimeUnit::Micro: return fb::TimeUnit_MICROSECOND;
    case TimeUnit::Nano: return fb::TimeUnit_NANOSECOND;
  }
  return fb::TimeUnit_SECOND;
}

flatbuffers::Offset<fb::Field> write_field(flatbuffers::FlatBufferBuilder& b, const Field& f) {
  const DataType& t = *f.type;
  std::vector<flatbuffers::Offset<fb::Field>> children;
  for (const auto& c : t.children) children.push_back(write_field(b, c));
  fb::Type tt = fb::Type_NONE;
  flatbuffers::Offset<void> to;
  auto int_type = [&](int bits, bool is_signed) {
    tt = fb::Type_Int;
    to = fb::CreateInt(b, bits, is_signed).Union();
  };
  auto float_type = [&](fb::Precision p) {
    tt = fb::Type_FloatingPoint;
    to = fb::CreateFloatingPoint(b, p).Union();
  };
  switch (t.id) {
    case Type::Null: tt = fb::Type_Null; to = fb::CreateNull(b).Union(); break;
    case Type::Bool: tt = fb::Type_Bool; to = fb::CreateBool(b).Union(); break;
    case Type::Int8: int_type(8, true); break;
    case Type::Int16: int_type(16, true); break;
    case Type::Int32: int_type(32, true); break;
    case Type::Int64: int_type(64, true); break;
    case Type::UInt8: int_type(8, false); break;
    case Type::UInt16: int_type(16, false); break;
    case Type::UInt32: int_type(32, false); break;
    case Type::UInt64: int_type(64, false); break;
    case Type::Float16: float_type(fb::Precision_HALF); break;
    case Type::Float32: float_type(fb::Precision_SINGLE); break;
    case Type::Float64: float_type(fb::Precision_DOUBLE); break;
    case Type::String: tt = fb::Type_Utf8; to = fb::CreateUtf8(b).Union(); break;
    case Type::LargeString: tt = fb::Type_LargeUtf8; to = fb::CreateLargeUtf8(b).Union(); break;
    case Type::Binary: tt = fb::Type_Binary; to = fb::CreateBinary(b).Union(); break;
    case Type::LargeBinary: tt = fb::Type_LargeBinary; to = fb::CreateLargeBinary(b).Union(); break;
    case Type::Date32: tt = fb::Type_Date; to = fb::CreateDate(b, fb::DateUnit_DAY).Union(); break;
    case Type::Date64: tt = fb::Type_Date; to = fb::CreateDate(b, fb::DateUnit_MILLISECOND).Union(); break;
    case Type::Timestamp:
      tt = fb::Type_Timestamp;
      to = fb::CreateTimestampDirect(b, fb_unit(t.unit), t.timezone.empty() ? nullptr : t.timezone.c_str()).Union();
      break;
    case Type::List: tt = fb::Type_List; to = fb::CreateList(b).Union(); break;
    case Type::LargeList: tt = fb::Type_LargeList; to = fb::CreateLargeList(b).Union(); break;
    case Type::FixedSizeList: tt = fb::Type_FixedSizeList; to = fb::CreateFixedSizeList(b, t.list_size).Union(); break;
    case Type::Struct: tt = fb::Type_Struct_; to = fb::CreateStruct_(b).Union(); break;
  }
  // Every string, vector and child table is finished before the Field table starts.
  auto name = b.CreateString(f.name);
  auto kids = b.CreateVector(children);
  auto md = write_key_values(b, f.metadata);
  return fb::CreateField(b, name, f.nullable, tt, to, 0, kids, md);
}

}  // namespace

flatbuffers::Offset<fb::Schema> schema_to_flatbuffer(flatbuffers::FlatBufferBuilder& b, const Schema& s) {
  std::vector<flatbuffers::Offset<fb::Field>> fields;
  for (const auto& f : s.fields) fields.push_back(write_field(b, f));
  auto fv = b.CreateVector(fields);
  auto md = write_key_values(b, s.metadata);
  return fb::CreateSchema(b, fb::Endianness_Little, fv, md);
}

}  // namespace cuddle::arrow::ipc
