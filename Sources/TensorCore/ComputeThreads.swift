import Dispatch

/// The one pool of worker threads every kernel uses.
///
/// Work is always split by a fixed partition of the *output* into tasks; a task computes its part
/// with the same operations in the same order whichever thread runs it, and reductions never cross
/// tasks in a thread-dependent way. Results are therefore bit-identical for any thread count.
public enum ComputeThreads {
  nonisolated(unsafe) private static var configuredCount = 1

  /// A scoped override of `count` for the current task (tests run thread counts side by side).
  @TaskLocal static var scopedCount: Int? = nil

  /// Runs `body` with `count` set to `threads` for the current task only.
  public static func withCount<Result>(_ threads: Int, _ body: () throws -> Result) rethrows -> Result {
    precondition(threads >= 1, "ComputeThreads.withCount: threads must be >= 1, got \(threads)")
    return try $scopedCount.withValue(threads, operation: body)
  }

  /// The number of threads kernels may use (at least 1). Set once at start-up, from `--threads N`
  /// or `PRECOND_BENCH_THREADS`; `withCount` overrides it for one task.
  public static var count: Int {
    get { scopedCount ?? configuredCount }
    set {
      precondition(newValue >= 1, "ComputeThreads.count must be >= 1, got \(newValue)")
      configuredCount = newValue
    }
  }

  /// Runs `body(task)` for every task in `0..<tasks`, on up to `count` threads. Each task must
  /// write only its own part of the output.
  public static func forEachTask(_ tasks: Int, _ body: (Int) -> Void) {
    let threads = min(count, tasks)
    if threads <= 1 {
      for task in 0..<tasks { body(task) }
      return
    }
    if WorkerPool.shared.run(tasks: tasks, threads: threads, body) { return }
    withoutActuallyEscaping(body) { escapable in
      let box = UncheckedSendable(escapable)
      DispatchQueue.concurrentPerform(iterations: threads) { worker in
        var task = worker
        while task < tasks {
          box.value(task)
          task += threads
        }
      }
    }
  }
}

extension ComputeThreads {
  /// Runs `body` over `0..<count` cut into consecutive blocks of `blockSize` (the last one
  /// shorter), each block a task taken by whichever pool thread is free; on the calling thread
  /// alone when there is one block. For elementwise work, whose results cannot depend on the
  /// split.
  public static func forEachBlock(count: Int, blockSize: Int, _ body: (Range<Int>) -> Void) {
    precondition(blockSize > 0, "ComputeThreads.forEachBlock: blockSize must be positive, got \(blockSize)")
    let blocks = (count + blockSize - 1) / blockSize
    if blocks <= 1 {
      if count > 0 { body(0..<count) }
      return
    }
    ClaimedTasks.forEach(blocks) { block in
      body((block * blockSize)..<min(count, (block + 1) * blockSize))
    }
  }
}

/// Wraps a value that is shared across the pool's threads under the pool's own discipline (each
/// task touches a disjoint part of the output).
public struct UncheckedSendable<Value>: @unchecked Sendable {
  /// The wrapped value.
  public let value: Value
  /// Wraps `value`.
  public init(_ value: Value) { self.value = value }
}
