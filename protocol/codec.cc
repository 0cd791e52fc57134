#include "protocol/codec.h"

#include <set>

#include "crypto/error.h"

namespace bangban {

bool IsValidUtf8(std::string_view s) {
  static constexpr uint32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};
  for (size_t i = 0; i < s.size();) {
    auto lead = static_cast<unsigned char>(s[i]);
    size_t extra = lead < 0x80 ? 0 : (lead >> 5) == 0x6 ? 1 : (lead >> 4) == 0xE ? 2 : (lead >> 3) == 0x1E ? 3 : 4;
    if (extra == 4 || (extra > 0 && i + extra >= s.size())) return false;  // bad lead or cut short
    uint32_t cp = extra == 0 ? lead : lead & (0x3F >> extra);
    for (size_t k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      cp = cp << 6 | (next & 0x3F);
    }
    if (cp < kMinimum[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

void PackJson(msgpack::packer<msgpack::sbuffer>& packer, const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      packer.pack_map(static_cast<uint32_t>(value.size()));
      for (const auto& [key, item] : value.items()) {  // std::map order: bytewise by key
        packer.pack_str(static_cast<uint32_t>(key.size()));
        packer.pack_str_body(key.data(), static_cast<uint32_t>(key.size()));
        PackJson(packer, item);
      }
      return;
    case Json::value_t::array:
      packer.pack_array(static_cast<uint32_t>(value.size()));
      for (const Json& item : value) PackJson(packer, item);
      return;
    case Json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      packer.pack_str(static_cast<uint32_t>(s.size()));
      packer.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
      return;
    }
    case Json::value_t::binary: {
      const auto& b = value.get_binary();
      packer.pack_bin(static_cast<uint32_t>(b.size()));
      packer.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<uint32_t>(b.size()));
      return;
    }
    case Json::value_t::boolean:
      value.get<bool>() ? packer.pack_true() : packer.pack_false();
      return;
    case Json::value_t::number_unsigned:
      packer.pack_uint64(value.get<uint64_t>());  // shortest form
      return;
    case Json::value_t::number_integer: {
      int64_t n = value.get<int64_t>();
      if (n >= 0) {
        packer.pack_uint64(static_cast<uint64_t>(n));  // one form for non-negative numbers
      } else {
        packer.pack_int64(n);
      }
      return;
    }
    case Json::value_t::number_float:
      throw Error(ErrorCode::kMalformed, "fractional numbers are not used in bangban records");
    case Json::value_t::null:
    case Json::value_t::discarded:
      throw Error(ErrorCode::kMalformed, "null values are not used in bangban records");
  }
}

Bytes EncodeJson(const Json& value) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  PackJson(packer, value);
  return Bytes(buffer.data(), buffer.data() + buffer.size());
}

namespace {
[[noreturn]] void Malformed(const std::string& path, std::string_view what) {
  throw Error(ErrorCode::kMalformed, (path.empty() ? std::string("value") : path) + ": " + std::string(what));
}
}  // namespace

Json ObjectToJson(const msgpack::object& o, const std::string& path) {
  switch (o.type) {
    case msgpack::type::POSITIVE_INTEGER:
      return Json(static_cast<uint64_t>(o.via.u64));
    case msgpack::type::NEGATIVE_INTEGER:
      return Json(static_cast<int64_t>(o.via.i64));
    case msgpack::type::BOOLEAN:
      return Json(o.via.boolean);
    case msgpack::type::STR: {
      std::string_view text(o.via.str.ptr, o.via.str.size);
      if (!IsValidUtf8(text)) Malformed(path, "is not valid UTF-8");
      return Json(std::string(text));
    }
    case msgpack::type::BIN: {
      const auto* p = reinterpret_cast<const uint8_t*>(o.via.bin.ptr);
      return Json::binary(std::vector<uint8_t>(p, p + o.via.bin.size));
    }
    case msgpack::type::ARRAY: {
      Json array = Json::array();
      for (uint32_t i = 0; i < o.via.array.size; ++i) {
        array.push_back(ObjectToJson(o.via.array.ptr[i], path + "[" + std::to_string(i) + "]"));
      }
      return array;
    }
    case msgpack::type::MAP: {
      Json object = Json::object();
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& kv = o.via.map.ptr[i];
        if (kv.key.type != msgpack::type::STR) Malformed(path, "map keys must be strings");
        std::string key(kv.key.via.str.ptr, kv.key.via.str.size);
        if (!IsValidUtf8(key)) Malformed(path, "a map key is not valid UTF-8");
        std::string child = path.empty() ? key : path + "." + key;
        if (object.contains(key)) Malformed(child, "appears twice");
        object[key] = ObjectToJson(kv.val, child);
      }
      return object;
    }
    case msgpack::type::NIL:
      Malformed(path, "nil is not allowed here");
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      Malformed(path, "fractional numbers are not allowed");
    default:
      Malformed(path, "extension types are not allowed");
  }
}

msgpack::object_handle UnpackExactly(ByteView bytes, std::string_view what, size_t max_bytes) {
  if (bytes.size() > max_bytes) {
    throw Error(ErrorCode::kTooLarge, std::string(what) + ": " + std::to_string(bytes.size()) +
                                          " bytes exceeds the limit of " + std::to_string(max_bytes));
  }
  // Every container and string is bounded by the input size; nesting is bounded explicitly.
  msgpack::unpack_limit limit(max_bytes, max_bytes, max_bytes, max_bytes, max_bytes, kMaxNesting);
  size_t offset = 0;
  msgpack::object_handle handle;
  try {
    // Strings and bins reference `bytes` rather than being copied: decoding a record then
    // costs no copies, and the envelope's position inside the wire form is known exactly.
    auto reference_all = [](msgpack::type::object_type, size_t, void*) { return true; };
    handle = msgpack::unpack(reinterpret_cast<const char*>(bytes.data()), bytes.size(), offset, reference_all, nullptr,
                             limit);
  } catch (const msgpack::insufficient_bytes&) {
    throw Error(ErrorCode::kMalformed, std::string(what) + ": truncated msgpack");
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kMalformed, std::string(what) + ": invalid msgpack (" + e.what() + ")");
  }
  if (offset != bytes.size()) {
    throw Error(ErrorCode::kMalformed, std::string(what) + ": " + std::to_string(bytes.size() - offset) +
                                           " trailing bytes after the msgpack value");
  }
  return handle;
}

}  // namespace bangban
