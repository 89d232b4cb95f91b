import Foundation

/// Reading and writing whole files, with failures as `DatasetError`s that name the path.
enum FileIO {
  /// Whether `path` exists, and whether it is a directory.
  static func kind(of path: String) -> (exists: Bool, isDirectory: Bool) {
    var isDirectory: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
    return (exists, isDirectory.boolValue)
  }

  /// The contents of a regular file, memory-mapped where the system allows (large datasets are
  /// then paged in rather than copied).
  ///
  /// - Parameter hint: appended to the not-found message (where to put the data, what makes it).
  static func read(_ path: String, hint: String = "") throws -> Data {
    let (exists, isDirectory) = kind(of: path)
    guard exists else { throw DatasetError.notFound(path, hint: hint) }
    guard !isDirectory else {
      throw DatasetError(kind: .unreadable, path: path, message: "is a directory, expected a file")
    }
    // Only regular files can be memory-mapped: a device (/dev/null), a FIFO or /proc file is read
    // as a stream (mapping them fails with an errno that Foundation words as a permission error).
    var status = stat()
    let regular = stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    if regular, let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) {
      return data
    }
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else {
      let reason = String(cString: strerror(errno))
      throw DatasetError(kind: .unreadable, path: path, message: "cannot be opened for reading (\(reason))")
    }
    let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    do {
      return try handle.readToEnd() ?? Data()
    } catch {
      throw DatasetError(
        kind: .unreadable, path: path, message: "cannot read: \(error.localizedDescription)")
    }
  }

  /// Writes `bytes` to `path` atomically (a temporary file renamed into place), creating the
  /// parent directories.
  static func write(_ bytes: [UInt8], to path: String) throws {
    let url = URL(fileURLWithPath: path)
    do {
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(bytes).write(to: url, options: .atomic)
    } catch {
      throw DatasetError(
        kind: .unwritable, path: path, message: "cannot write: \(error.localizedDescription)")
    }
  }

  /// The names of the entries of a directory, sorted.
  static func listDirectory(_ path: String) throws -> [String] {
    do {
      return try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    } catch {
      throw DatasetError(
        kind: .unreadable, path: path,
        message: "cannot list directory: \(error.localizedDescription)")
    }
  }

  /// `directory/name`.
  static func join(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
  }
}
