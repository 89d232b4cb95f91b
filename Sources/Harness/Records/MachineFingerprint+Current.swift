import Foundation

extension MachineFingerprint {
  /// The fingerprint of the machine this process runs on, from /proc/cpuinfo, /proc/meminfo,
  /// /etc/os-release and uname(2) (sysctl on macOS); parts that cannot be read are "unknown".
  public static func current() -> MachineFingerprint {
    let system = UnameFields.current()
    var cpuModel = "unknown"
    if let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) {
      cpuModel =
        field("model name", in: cpuinfo) ?? field("Model", in: cpuinfo)
        ?? field("Hardware", in: cpuinfo) ?? "unknown"
    }
    #if os(macOS)
      if cpuModel == "unknown" { cpuModel = sysctlString("machdep.cpu.brand_string") ?? "unknown" }
    #endif
    var memory = Int64(ProcessInfo.processInfo.physicalMemory)
    if let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
      let total = field("MemTotal", in: meminfo),
      let kibibytes = Int64(total.split(separator: " ").first ?? "")
    {
      memory = kibibytes * 1024
    }
    var operatingSystem = system.sysname
    if let release = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) {
      for line in release.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
        operatingSystem = String(line.dropFirst("PRETTY_NAME=".count))
          .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
      }
    }
    return MachineFingerprint(
      cpuModel: cpuModel, cores: ProcessInfo.processInfo.activeProcessorCount,
      memoryBytes: memory, operatingSystem: operatingSystem, kernel: system.release,
      swiftVersion: compilerVersion, buildConfiguration: buildConfiguration)
  }

  /// The version of the compiler that built this module (to the minor version).
  public static var compilerVersion: String {
    #if compiler(>=7.0)
      return ">=7.0"
    #elseif compiler(>=6.4)
      return "6.4"
    #elseif compiler(>=6.3)
      return "6.3"
    #elseif compiler(>=6.2)
      return "6.2"
    #elseif compiler(>=6.1)
      return "6.1"
    #else
      return "6.0"
    #endif
  }

  /// `debug` when compiled with the DEBUG condition (SwiftPM's debug configuration), else
  /// `release`.
  public static var buildConfiguration: String {
    #if DEBUG
      return "debug"
    #else
      return "release"
    #endif
  }

  /// The value of `name : value` lines as /proc files write them (first match).
  static func field(_ name: String, in text: String) -> String? {
    for line in text.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      if line[..<colon].trimmingCharacters(in: .whitespaces) == name {
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
    }
    return nil
  }

  #if os(macOS)
    static func sysctlString(_ name: String) -> String? {
      var size = 0
      guard sysctlbyname(name, nil, &size, nil, 0) == 0, size > 0 else { return nil }
      var buffer = [CChar](repeating: 0, count: size)
      guard sysctlbyname(name, &buffer, &size, nil, 0) == 0 else { return nil }
      return String(cString: buffer)
    }
  #endif
}

/// The fields of uname(2) the harness records.
public struct UnameFields: Sendable {
  /// The operating system name (`Linux`, `Darwin`).
  public let sysname: String
  /// The host name (the network node name).
  public let nodename: String
  /// The kernel release.
  public let release: String

  /// uname(2) of this machine.
  public static func current() -> UnameFields {
    var names = utsname()
    guard uname(&names) == 0 else {
      return UnameFields(sysname: "unknown", nodename: "unknown", release: "unknown")
    }
    func text<T>(_ field: T) -> String {
      withUnsafeBytes(of: field) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
    }
    return UnameFields(
      sysname: text(names.sysname), nodename: text(names.nodename), release: text(names.release))
  }
}
