/// A failure to find, read, decode or transform a dataset, an array file or an archive.
///
/// Every bad-input path of the module ends here, never in a trap: the error names the file, the
/// byte offset where it applies (in the decompressed stream for gzip'd or deflated data, which
/// `description` says) and what was wrong.
public struct DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What kind of failure this is.
  public enum Kind: String, Sendable, Equatable {
    /// The path does not exist; the message says where the data should go and how to make it.
    case notFound
    /// The path exists but cannot be read (a directory where a file is needed, permissions, I/O).
    case unreadable
    /// The content breaks its format (bad magic, truncation, size mismatch, bad CRC, ...).
    case malformed
    /// The content is well formed but uses a feature this reader does not handle (an npy dtype,
    /// Fortran order, a zip compression method, ...).
    case unsupported
    /// The data cannot satisfy the request (a downsampling factor that does not divide, a class
    /// with no images, an invalid mixture specification, ...).
    case invalidRequest
    /// A file could not be written.
    case unwritable
  }

  /// What kind of failure this is.
  public let kind: Kind
  /// The file the failure is about, when there is one.
  public let path: String?
  /// The byte offset the failure is about, when it applies.
  public let offset: Int?
  /// Whether `offset` counts bytes of the decompressed stream rather than of the file.
  public let offsetIsDecompressed: Bool
  /// What was wrong, in words.
  public let message: String

  /// Creates an error; prefer the static helpers.
  public init(
    kind: Kind, path: String?, offset: Int? = nil, offsetIsDecompressed: Bool = false,
    message: String
  ) {
    self.kind = kind
    self.path = path
    self.offset = offset
    self.offsetIsDecompressed = offsetIsDecompressed
    self.message = message
  }

  /// A missing path, with a hint saying where the data should go and which script makes it.
  public static func notFound(_ path: String, hint: String) -> DatasetError {
    DatasetError(kind: .notFound, path: path, message: "no such file or directory. " + hint)
  }

  /// Malformed content at an optional byte offset.
  public static func malformed(
    _ path: String, at offset: Int? = nil, decompressed: Bool = false, _ message: String
  ) -> DatasetError {
    DatasetError(
      kind: .malformed, path: path, offset: offset, offsetIsDecompressed: decompressed,
      message: message)
  }

  /// Well-formed content using an unsupported feature.
  public static func unsupported(
    _ path: String, at offset: Int? = nil, decompressed: Bool = false, _ message: String
  ) -> DatasetError {
    DatasetError(
      kind: .unsupported, path: path, offset: offset, offsetIsDecompressed: decompressed,
      message: message)
  }

  /// A request the data cannot satisfy.
  public static func invalidRequest(_ message: String, path: String? = nil) -> DatasetError {
    DatasetError(kind: .invalidRequest, path: path, message: message)
  }

  /// `path: at byte N [of the decompressed data]: message`.
  public var description: String {
    var text = path.map { $0 + ": " } ?? ""
    if let offset {
      text += "at byte \(offset)" + (offsetIsDecompressed ? " of the decompressed data" : "") + ": "
    }
    return text + message
  }
}
