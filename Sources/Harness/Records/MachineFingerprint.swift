import CanonicalJSON

/// The machine a run's timings were measured on (package-benchmark's `BenchmarkMachine`): wall
/// clock figures are compared only between runs with equal fingerprints.
public struct MachineFingerprint: Codable, Sendable, Hashable {
  /// The CPU model name (`model name` of /proc/cpuinfo), or "unknown".
  public var cpuModel: String
  /// Logical processors available.
  public var cores: Int
  /// Physical memory in bytes (MemTotal of /proc/meminfo).
  public var memoryBytes: Int64
  /// The operating system (PRETTY_NAME of /etc/os-release, or uname's sysname).
  public var operatingSystem: String
  /// The kernel release (uname -r).
  public var kernel: String
  /// The Swift compiler version the binary was built with.
  public var swiftVersion: String
  /// `release` or `debug`.
  public var buildConfiguration: String

  /// A fingerprint from its parts.
  public init(
    cpuModel: String, cores: Int, memoryBytes: Int64, operatingSystem: String, kernel: String,
    swiftVersion: String, buildConfiguration: String
  ) {
    self.cpuModel = cpuModel
    self.cores = cores
    self.memoryBytes = memoryBytes
    self.operatingSystem = operatingSystem
    self.kernel = kernel
    self.swiftVersion = swiftVersion
    self.buildConfiguration = buildConfiguration
  }

  /// The fingerprint as a JSON object (the members in `MachineFingerprint` order of meaning).
  public var json: JSONValue {
    .object([
      "cpuModel": .string(cpuModel), "cores": .int(cores), "memoryBytes": .integer(memoryBytes),
      "operatingSystem": .string(operatingSystem), "kernel": .string(kernel),
      "swiftVersion": .string(swiftVersion), "buildConfiguration": .string(buildConfiguration),
    ])
  }

  /// A stable identifier: the first 16 hexadecimal digits of the SHA-256 of `json`'s canonical
  /// text. Equal fingerprints have equal ids on every machine.
  public var id: String { String(SpecHash.of(json).prefix(16)) }

  /// Reads a fingerprint from a JSON object (strictly: unknown keys are errors).
  public init(json value: JSONValue, path: String, file: String, remedy: String) throws {
    var reader = try JSONObjectReader(value, path: path, file: file, remedy: remedy)
    self.init(
      cpuModel: try reader.string("cpuModel"), cores: try reader.integer("cores"),
      memoryBytes: Int64(try reader.integer("memoryBytes")),
      operatingSystem: try reader.string("operatingSystem"), kernel: try reader.string("kernel"),
      swiftVersion: try reader.string("swiftVersion"),
      buildConfiguration: try reader.string("buildConfiguration"))
    try reader.finish()
  }

  /// A one-line summary: `CPU, N cores, M GiB, OS (kernel), Swift V, configuration`.
  public var summary: String {
    let gibibytes = Double(memoryBytes) / 1_073_741_824
    let memory = (gibibytes * 10).rounded() / 10
    return "\(cpuModel), \(cores) cores, \(memory) GiB, \(operatingSystem) (kernel \(kernel)), "
      + "Swift \(swiftVersion), \(buildConfiguration)"
  }
}
