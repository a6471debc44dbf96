// Arrow IPC schema metadata <-> cuddle::arrow::Schema, through the FlatBuffers code flatc
// generates from fbs/Schema.fbs at build time.
#pragma once
#include <flatbuffers/flatbuffers.h>

#include "Schema_generated.h"
#include "cuddle/arrow.h"

namespace cuddle::arrow::ipc {

namespace fb = ::org::apache::arrow::flatbuf;

// Throws FormatError naming `where` for types cuddle does not hold (dictionary-encoded
// fields, unions, decimals, ...) and for big-endian data.
Schema schema_from_flatbuffer(const fb::Schema& s, const std::string& where);
flatbuffers::Offset<fb::Schema> schema_to_flatbuffer(flatbuffers::FlatBufferBuilder& b, const Schema& s);

}  // namespace cuddle::arrow::ipc
