import Foundation

/// Cache files written whole or not at all: the bytes go to a temporary file beside the target,
/// which is then renamed into place, so concurrent writers (shards) never leave a torn file (the
/// last rename wins; every writer of a cache key writes the same deterministic content).
enum AtomicFile {
  /// Why a file could not be written: the system's reason (errno text).
  struct Failure: Error {
    let reason: String
  }

  /// Writes `data` to `file`, creating its directory.
  static func write(_ data: Data, to file: String) throws(Failure) {
    let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
    let temporary = file + ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      try data.write(to: URL(fileURLWithPath: temporary))
    } catch {
      // Foundation wraps the system's reason (errno) in a generic Cocoa error; report the errno.
      let underlying = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? any Error).map { $0 as NSError }
      throw Failure(reason: underlying.map { String(cString: strerror(Int32($0.code))) } ?? "\(error)")
    }
    guard rename(temporary, file) == 0 else {
      let code = errno
      try? FileManager.default.removeItem(atPath: temporary)
      throw Failure(reason: String(cString: strerror(code)))
    }
  }

  /// A JSON decoder that reads the canonical writer's non-finite numbers (`inf`, `-inf`, `nan`).
  static func decoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
  }
}
