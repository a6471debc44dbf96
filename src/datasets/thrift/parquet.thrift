// The part of the Parquet file metadata cuddle reads and writes, written out from the Apache Parquet
// format specification (parquet-format, parquet.thrift). Field ids and enum values are the
// specification's: they are the wire format. Fields cuddle does not use are left out
// (Thrift's compact protocol skips unknown field ids), and every field is optional here so
// that the reader, not the generated code, decides what a file must carry and names the
// file in its error; the writer sets every field the specification requires. Enum-valued fields are declared i32 (their wire type): a value outside
// the enum read into a C++ enum would be undefined behaviour; the reader compares the
// integers with the enum constants instead.

namespace cpp cuddle.parquet_format

enum Type {
  BOOLEAN = 0; INT32 = 1; INT64 = 2; INT96 = 3; FLOAT = 4; DOUBLE = 5; BYTE_ARRAY = 6; FIXED_LEN_BYTE_ARRAY = 7;
}

enum ConvertedType {
  UTF8 = 0; MAP = 1; MAP_KEY_VALUE = 2; LIST = 3; ENUM = 4; DECIMAL = 5; DATE = 6; TIME_MILLIS = 7; TIME_MICROS = 8;
  TIMESTAMP_MILLIS = 9; TIMESTAMP_MICROS = 10; UINT_8 = 11; UINT_16 = 12; UINT_32 = 13; UINT_64 = 14;
  INT_8 = 15; INT_16 = 16; INT_32 = 17; INT_64 = 18; JSON = 19; BSON = 20; INTERVAL = 21;
}

enum FieldRepetitionType { REQUIRED = 0; OPTIONAL = 1; REPEATED = 2; }

struct StringType {}
struct MapType {}
struct ListType {}
struct EnumType {}
struct DateType {}
struct NullType {}
struct JsonType {}
struct MilliSeconds {}
struct MicroSeconds {}
struct NanoSeconds {}
union TimeUnit { 1: MilliSeconds MILLIS; 2: MicroSeconds MICROS; 3: NanoSeconds NANOS; }
struct TimestampType { 1: optional bool isAdjustedToUTC; 2: optional TimeUnit unit; }
struct IntType { 1: optional i8 bitWidth; 2: optional bool isSigned; }

union LogicalType {
  1: StringType STRING; 2: MapType MAP; 3: ListType LIST; 4: EnumType ENUM; 6: DateType DATE;
  8: TimestampType TIMESTAMP; 10: IntType INTEGER; 11: NullType UNKNOWN; 12: JsonType JSON;
}

struct SchemaElement {
  1: optional i32 type;
  2: optional i32 type_length;
  3: optional i32 repetition_type;
  4: optional string name;
  5: optional i32 num_children;
  6: optional i32 converted_type;
  10: optional LogicalType logicalType;
}

enum Encoding {
  PLAIN = 0; PLAIN_DICTIONARY = 2; RLE = 3; BIT_PACKED = 4; DELTA_BINARY_PACKED = 5; DELTA_LENGTH_BYTE_ARRAY = 6;
  DELTA_BYTE_ARRAY = 7; RLE_DICTIONARY = 8; BYTE_STREAM_SPLIT = 9;
}

enum CompressionCodec { UNCOMPRESSED = 0; SNAPPY = 1; GZIP = 2; LZO = 3; BROTLI = 4; LZ4 = 5; ZSTD = 6; LZ4_RAW = 7; }

enum PageType { DATA_PAGE = 0; INDEX_PAGE = 1; DICTIONARY_PAGE = 2; DATA_PAGE_V2 = 3; }

struct DataPageHeader {
  1: optional i32 num_values;
  2: optional i32 encoding;
  3: optional i32 definition_level_encoding;
  4: optional i32 repetition_level_encoding;
}

struct DictionaryPageHeader {
  1: optional i32 num_values;
  2: optional i32 encoding;
}

struct DataPageHeaderV2 {
  1: optional i32 num_values;
  2: optional i32 num_nulls;
  3: optional i32 num_rows;
  4: optional i32 encoding;
  5: optional i32 definition_levels_byte_length;
  6: optional i32 repetition_levels_byte_length;
  7: optional bool is_compressed = true;
}

struct PageHeader {
  1: optional i32 type;
  2: optional i32 uncompressed_page_size;
  3: optional i32 compressed_page_size;
  5: optional DataPageHeader data_page_header;
  7: optional DictionaryPageHeader dictionary_page_header;
  8: optional DataPageHeaderV2 data_page_header_v2;
}

struct KeyValue { 1: optional string key; 2: optional string value; }

struct ColumnMetaData {
  1: optional i32 type;
  2: optional list<i32> encodings;
  3: optional list<string> path_in_schema;
  4: optional i32 codec;
  5: optional i64 num_values;
  6: optional i64 total_uncompressed_size;
  7: optional i64 total_compressed_size;
  9: optional i64 data_page_offset;
  11: optional i64 dictionary_page_offset;
}

struct ColumnChunk {
  1: optional string file_path;
  2: optional i64 file_offset;
  3: optional ColumnMetaData meta_data;
}

struct RowGroup {
  1: optional list<ColumnChunk> columns;
  2: optional i64 total_byte_size;
  3: optional i64 num_rows;
}

struct FileMetaData {
  1: optional i32 version;
  2: optional list<SchemaElement> schema;
  3: optional i64 num_rows;
  4: optional list<RowGroup> row_groups;
  5: optional list<KeyValue> key_value_metadata;
  6: optional string created_by;
}
