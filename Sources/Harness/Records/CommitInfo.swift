import CanonicalJSON
import Foundation

/// The source commit a run was built from.
public struct CommitInfo: Codable, Sendable, Hashable {
  /// The full commit hash, or "unknown" outside a git checkout.
  public var sha: String
  /// Whether tracked files had uncommitted changes.
  public var dirty: Bool
  /// The committer date (ISO 8601 as git prints it), or "unknown".
  public var date: String

  /// A commit from its parts.
  public init(sha: String, dirty: Bool, date: String) {
    self.sha = sha
    self.dirty = dirty
    self.date = date
  }

  /// What is recorded when git or the checkout is unavailable.
  public static let unknown = CommitInfo(sha: "unknown", dirty: false, date: "unknown")

  /// The short form: the first 12 digits, with `+dirty` when it applies.
  public var shortDescription: String {
    String(sha.prefix(12)) + (dirty ? "+dirty" : "")
  }

  /// The commit as a JSON object.
  public var json: JSONValue {
    .object(["sha": .string(sha), "dirty": .bool(dirty), "date": .string(date)])
  }

  /// Reads a commit from a JSON object (strictly).
  public init(json value: JSONValue, path: String, file: String, remedy: String) throws {
    var reader = try JSONObjectReader(value, path: path, file: file, remedy: remedy)
    self.init(
      sha: try reader.string("sha"), dirty: try reader.bool("dirty"),
      date: try reader.string("date"))
    try reader.finish()
  }

  /// The commit checked out in `directory` (default: the current directory), read with `git`;
  /// `.unknown` when git is missing or the directory is not a checkout. Untracked files do not
  /// make a checkout dirty.
  public static func current(directory: String? = nil) -> CommitInfo {
    guard let sha = git(["rev-parse", "HEAD"], directory: directory), sha.count >= 40 else {
      return .unknown
    }
    let status = git(["status", "--porcelain", "--untracked-files=no"], directory: directory)
    let date = git(["log", "-1", "--format=%cI"], directory: directory) ?? "unknown"
    return CommitInfo(sha: sha, dirty: !(status ?? "").isEmpty, date: date)
  }

  /// Runs `git ARGUMENTS` and returns its trimmed stdout, or `nil` when it fails.
  static func git(_ arguments: [String], directory: String?) -> String? {
    let candidates = ["/usr/bin/git", "/usr/local/bin/git", "/opt/homebrew/bin/git", "/bin/git"]
    guard
      let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) })
    else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      return nil
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
