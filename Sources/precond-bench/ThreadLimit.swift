import Foundation

/// Bounds of the global `--threads` option (README "Commands"): an integer in 1...`maximum`,
/// else a usage error; more threads than the machine has cores only add contention (work is
/// split by a fixed partition, so results never depend on the count), so they are capped to
/// the cores with a note on stderr.
enum ThreadLimit {
  /// The largest accepted value.
  static let maximum = 1024

  /// Parses a thread count given by `source` (`--threads` or `PRECOND_BENCH_THREADS`).
  static func parse(_ text: String, source: String) throws -> Int {
    guard let n = Int(text), (1...maximum).contains(n) else {
      throw CommandFailure.usage("\(source) must be an integer in 1...\(maximum), got '\(text)'")
    }
    return n
  }

  /// `requested`, or the number of cores when it is larger (with a note).
  static func capped(_ requested: Int) -> Int {
    let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    guard requested > cores else { return requested }
    Console.error("note: --threads \(requested) is more than the \(cores) core(s) here; using \(cores)")
    return cores
  }
}
