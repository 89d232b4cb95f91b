import Foundation
import Synchronization

/// SIGINT and SIGTERM during a long command (`run`): the first signal only sets a flag, which the
/// runner reads between training steps and between cells, so the step in progress and its SQLite
/// transaction finish, the run is checkpointed and recorded `interrupted`, and the command exits
/// 130 (SIGINT) or 143 (SIGTERM) saying how to resume. A second signal stops at once with the
/// same code (SQLite transactions are atomic, so even then nothing stored is lost).
enum Interruption {
  /// The first signal received, 0 while none.
  static let received = Atomic<Int32>(0)

  /// The notice written by the handler, prepared beforehand: a signal handler may only call
  /// async-signal-safe functions such as write(2), never allocate.
  nonisolated(unsafe) private static var notice: UnsafeMutableBufferPointer<UInt8> = .init(start: nil, count: 0)

  /// Installs the handlers for SIGINT and SIGTERM.
  static func install() {
    _ = received.load(ordering: .relaxed)  // initialise the global before any handler runs
    let text = Array("\nprecond-bench: signal received; stopping after the current step (signal again to stop at once)\n".utf8)
    notice = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: text.count)
    _ = notice.initialize(from: text)
    // A parent may have started us with these signals blocked (the mask survives exec): unblock
    // them, or they would stay pending and the run would never hear them.
    var unblocked = sigset_t()
    sigemptyset(&unblocked)
    for number in [SIGINT, SIGTERM] { sigaddset(&unblocked, number) }
    pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
    for number in [SIGINT, SIGTERM] {
      signal(number) { number in
        let (exchanged, _) = Interruption.received.compareExchange(expected: 0, desired: number, ordering: .relaxed)
        guard exchanged else { _exit(128 + number) }
        _ = write(2, Interruption.notice.baseAddress, Interruption.notice.count)
      }
    }
  }

  /// Whether a signal asked the command to stop.
  static var requested: Bool { received.load(ordering: .relaxed) != 0 }

  /// The exit code of the signal received: 130 for SIGINT, 143 for SIGTERM.
  static var exitCode: ExitCode {
    received.load(ordering: .relaxed) == SIGTERM ? .terminated : .interrupted
  }

  /// "SIGINT" or "SIGTERM".
  static var signalName: String {
    received.load(ordering: .relaxed) == SIGTERM ? "SIGTERM" : "SIGINT"
  }
}
