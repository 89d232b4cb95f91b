import Foundation

/// A self-overwriting progress line on stderr (only when it is a terminal), with an ETA from the
/// fraction done.
final class ProgressLine: @unchecked Sendable {
  let enabled: Bool
  private var start = ContinuousClock.now
  private var lastDraw = ContinuousClock.now
  private var startedFraction: Double? = nil
  private let lock = NSLock()

  init(enabled: Bool) { self.enabled = enabled }

  /// Restarts the ETA clock.
  func reset() {
    lock.lock()
    start = .now
    startedFraction = nil
    lock.unlock()
  }

  /// Redraws the line (at most ten times a second).
  func update(_ text: String, fraction: Double) {
    guard enabled else { return }
    lock.lock()
    defer { lock.unlock() }
    let now = ContinuousClock.now
    if startedFraction == nil { startedFraction = fraction; start = now }
    guard now - lastDraw > .milliseconds(100) || fraction >= 1 else { return }
    lastDraw = now
    var eta = ""
    let done = fraction - (startedFraction ?? 0)
    if done > 0.001 {
      let elapsed = now - start
      let seconds = (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18) * (1 - fraction) / done
      eta = "  ETA " + ProgressLine.duration(seconds)
    }
    FileHandle.standardError.write(Data(("\r\u{1B}[K" + text + eta).utf8))
  }

  /// Ends the line.
  func finish() {
    guard enabled else { return }
    FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
  }

  /// "1h02m", "3m05s", "12s".
  static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite && seconds >= 0 else { return "?" }
    let s = Int(seconds.rounded())
    if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
    if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
    return "\(s)s"
  }
}
