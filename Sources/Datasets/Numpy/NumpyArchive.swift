/// The arrays of an `.npz` file: a zip archive of `.npy` members, as `numpy.savez` (stored) and
/// `numpy.savez_compressed` (deflate) write it, and as pytorch-fid and EDM store reference
/// statistics (members `mu` and `sigma`).
///
/// Read with `NumpyArchive(contentsOf:)` (`NumpyArchive+Reading.swift`), written with
/// `write(to:compressed:)` (`NumpyArchive+Writing.swift`).
public struct NumpyArchive: Sendable, Equatable {
  /// One named array of the archive.
  public struct Member: Sendable, Equatable {
    /// The key: the member's file name without its `.npy` suffix (as `numpy.load(...)[key]`).
    public let name: String
    /// The array.
    public let array: NumpyArray

    /// Creates a member.
    public init(name: String, array: NumpyArray) {
      self.name = name
      self.array = array
    }
  }

  /// The members in archive order.
  public let members: [Member]
  /// The file the archive was read from (for error messages), or nil for one built in memory.
  public let path: String?

  /// An archive of the given members (keys must be distinct).
  public init(members: [Member], path: String? = nil) {
    precondition(
      Set(members.map(\.name)).count == members.count,
      "NumpyArchive: duplicate member names in \(members.map(\.name))")
    self.members = members
    self.path = path
  }

  /// The keys, in archive order.
  public var names: [String] { members.map(\.name) }

  /// The array stored under `name`, if any.
  public subscript(name: String) -> NumpyArray? {
    members.first { $0.name == name }?.array
  }

  /// The array stored under `name`.
  ///
  /// - Throws: `DatasetError.malformed` naming the file and listing the keys it has.
  public func array(named name: String) throws -> NumpyArray {
    guard let array = self[name] else {
      throw DatasetError.malformed(
        path ?? "<archive>",
        "has no array '\(name)' (it has: \(names.isEmpty ? "none" : names.joined(separator: ", ")))"
      )
    }
    return array
  }
}
