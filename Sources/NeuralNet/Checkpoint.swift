import CanonicalJSON
import Foundation
import TensorCore

/// A checkpoint: named tensors plus string metadata, in one documented binary file format.
///
/// Layout (all integers little-endian):
///
///     bytes 0..<8    magic "PBCKPT1\n"
///     bytes 8..<16   UInt64 H, the length of the header
///     next H bytes   header, canonical JSON (`JSONValue.canonicalText()`):
///                    {"metadata": {String: String},
///                     "tensors": [{"name": String, "shape": [Int], "offset": Int, "count": Int}]}
///                    tensors sorted by name; offset and count in Float32 elements of the payload
///     payload        every tensor's elements as IEEE-754 binary32, little-endian, in header order
///     last 32 bytes  SHA-256 of every preceding byte (the content hash)
///
/// Writing is atomic (temporary file, then rename); reading verifies magic, lengths and hash, so a
/// round trip is exact to the bit and a damaged file is an error, never a crash.
public struct Checkpoint: Sendable, Equatable {
  /// Free-form metadata (configurations as JSON, step counts...).
  public var metadata: [String: String]
  /// The tensors by name.
  public var tensors: [String: Tensor]

  static let magic = Array("PBCKPT1\n".utf8)

  /// Creates a checkpoint.
  public init(metadata: [String: String] = [:], tensors: [String: Tensor] = [:]) {
    self.metadata = metadata
    self.tensors = tensors
  }

  /// Stores a parameter set under `prefix` (`prefix/name`).
  public mutating func store(_ parameters: ParameterSet, as prefix: String) {
    for (name, tensor) in zip(parameters.names, parameters.tensors) { tensors["\(prefix)/\(name)"] = tensor }
  }

  /// Loads the parameter set stored under `prefix` into the names and shapes of `template`.
  public func parameters(_ prefix: String, like template: ParameterSet) throws -> ParameterSet {
    var result = template
    for (i, name) in template.names.enumerated() {
      guard let tensor = tensors["\(prefix)/\(name)"] else {
        throw CheckpointError(path: nil, reason: "missing tensor \(prefix)/\(name)")
      }
      guard tensor.shape == template.tensors[i].shape else {
        throw CheckpointError(path: nil, reason: "tensor \(prefix)/\(name) has shape \(tensor.shape), expected \(template.tensors[i].shape)")
      }
      result.tensors[i] = tensor
    }
    return result
  }

  private struct Header: Codable {
    struct Entry: Codable {
      var name: String
      var shape: [Int]
      var offset: Int
      var count: Int
    }
    var metadata: [String: String]
    var tensors: [Entry]
  }

  /// The file's bytes.
  public func serialized() throws -> [UInt8] {
    var entries = [Header.Entry]()
    var offset = 0
    for name in tensors.keys.sorted() {
      let t = tensors[name]!
      entries.append(Header.Entry(name: name, shape: t.shape, offset: offset, count: t.count))
      offset += t.count
    }
    let header = Array(try JSONValue(encoding: Header(metadata: metadata, tensors: entries)).canonicalText().utf8)
    var bytes = Checkpoint.magic
    bytes.reserveCapacity(16 + header.count + 4 * offset + 32)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
    bytes.append(contentsOf: header)
    for entry in entries {
      for v in tensors[entry.name]!.scalars {
        withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
      }
    }
    var hasher = SHA256()
    hasher.update(bytes)
    bytes.append(contentsOf: hasher.finalize())
    return bytes
  }

  /// The SHA-256 content hash (hex) that the file ends with.
  public func contentHash() throws -> String {
    SHA256.hexString(Array(try serialized().suffix(32)))
  }

  /// Parses a checkpoint file's bytes; `path` names the file in errors.
  public init(bytes: [UInt8], path: String? = nil) throws {
    func fail(_ reason: String) -> CheckpointError { CheckpointError(path: path, reason: reason) }
    guard bytes.count >= 16 + 32, Array(bytes[0..<8]) == Checkpoint.magic else {
      throw fail("not a PrecondBench checkpoint (bad magic or too short: \(bytes.count) bytes)")
    }
    var hasher = SHA256()
    hasher.update(bytes[0..<(bytes.count - 32)])
    guard hasher.finalize() == Array(bytes.suffix(32)) else {
      throw fail("content hash mismatch: the file is damaged or truncated")
    }
    var headerLength: UInt64 = 0
    for i in 0..<8 { headerLength |= UInt64(bytes[8 + i]) << (8 * UInt64(i)) }
    guard headerLength <= UInt64(bytes.count - 48) else { throw fail("header length \(headerLength) exceeds the file") }
    let headerEnd = 16 + Int(headerLength)
    let header: Header
    do {
      header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<headerEnd]))
    } catch {
      throw fail("unreadable header: \(error)")
    }
    let payloadCount = (bytes.count - 32 - headerEnd)
    guard payloadCount % 4 == 0 else { throw fail("payload of \(payloadCount) bytes is not whole Float32 values") }
    var tensors = [String: Tensor]()
    for entry in header.tensors {
      guard entry.count == Tensor.elementCount(entry.shape), entry.offset >= 0,
            (entry.offset + entry.count) * 4 <= payloadCount else {
        throw fail("tensor \(entry.name) (shape \(entry.shape), offset \(entry.offset)) lies outside the payload")
      }
      var values = [Float](repeating: 0, count: entry.count)
      let start = headerEnd + 4 * entry.offset
      for j in 0..<entry.count {
        let b = start + 4 * j
        let bits = UInt32(bytes[b]) | UInt32(bytes[b + 1]) << 8 | UInt32(bytes[b + 2]) << 16 | UInt32(bytes[b + 3]) << 24
        values[j] = Float(bitPattern: bits)
      }
      tensors[entry.name] = Tensor(shape: entry.shape, scalars: values)
    }
    self.metadata = header.metadata
    self.tensors = tensors
  }

  /// Writes the checkpoint atomically.
  public func write(to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    // Unique per writer: two threads of one process (parallel tests, shards sharing a cache)
    // may write the same checkpoint at once; each renames its own complete file into place.
    let temporary = url.deletingLastPathComponent().appendingPathComponent(
      ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
    do {
      try Data(try serialized()).write(to: temporary)
      // rename(2) replaces the target atomically (FileManager.replaceItemAt fails on Linux when
      // the target exists).
      guard rename(temporary.path, url.path) == 0 else {
        throw CheckpointError(path: path, reason: "cannot move the new file into place (errno \(errno))")
      }
    } catch let error as CheckpointError {
      try? FileManager.default.removeItem(at: temporary)
      throw error
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw CheckpointError(path: path, reason: "cannot write: \(error.localizedDescription)")
    }
  }

  /// Reads and verifies a checkpoint file.
  public static func read(from path: String) throws -> Checkpoint {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw CheckpointError(path: path, reason: "cannot read the file (missing or unreadable)")
    }
    return try Checkpoint(bytes: Array(data), path: path)
  }
}

/// A checkpoint that cannot be read or written.
public struct CheckpointError: Error, CustomStringConvertible, Sendable {
  /// The file, when known.
  public let path: String?
  /// What was wrong.
  public let reason: String
  /// Creates an error.
  public init(path: String?, reason: String) {
    self.path = path
    self.reason = reason
  }
  /// "checkpoint PATH: REASON".
  public var description: String { "checkpoint \(path ?? "(in memory)"): \(reason)" }
}

extension Checkpoint {
  /// Stores an optimiser's moments (`adam.m`, `adam.v`) and its step (metadata `step`).
  public mutating func store(_ optimizer: Optimizer) {
    store(optimizer.firstMoments, as: "adam.m")
    store(optimizer.secondMoments, as: "adam.v")
    metadata["step"] = "\(optimizer.step)"
  }

  /// The optimiser stored by `store(_:)`, for parameters shaped like `template`.
  public func optimizer(_ configuration: OptimizerConfiguration, like template: ParameterSet) throws -> Optimizer {
    guard let text = metadata["step"], let step = Int(text) else {
      throw CheckpointError(path: nil, reason: "missing optimiser step in checkpoint metadata")
    }
    return Optimizer(configuration, firstMoments: try parameters("adam.m", like: template),
      secondMoments: try parameters("adam.v", like: template), step: step)
  }
}
