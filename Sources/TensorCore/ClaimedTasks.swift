#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Runs a fixed set of tasks on `ComputeThreads`, each task taken by whichever pool thread is
/// free next (a shared counter), instead of `forEachTask`'s fixed striding.
///
/// The tasks, and what each computes, are the same as with `forEachTask`, so results are
/// unchanged bit for bit; only who runs which task varies. That matters on a machine shared
/// with other processes: when one core is busy elsewhere, the other thread takes the remaining
/// tasks instead of waiting for its slowed partner (measured on this 2-core machine with other
/// builds running: a fixed stride gave 2 threads no gain over 1).
enum ClaimedTasks {
  static func forEach(_ tasks: Int, _ body: (Int) -> Void) {
    let threads = min(ComputeThreads.count, tasks)
    if threads <= 1 {
      for task in 0..<tasks { body(task) }
      return
    }
    let counter = Counter(limit: tasks)
    ComputeThreads.forEachTask(threads) { _ in
      while let task = counter.next() { body(task) }
    }
  }

  /// Hands out 0, 1, 2, ... up to `limit` under a mutex (a task is tens of microseconds at
  /// least, so the lock is noise).
  final class Counter: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let limit: Int
    // Guarded by `mutex`.
    private var value = 0

    init(limit: Int) {
      self.limit = limit
      mutex = .allocate(capacity: 1)
      pthread_mutex_init(mutex, nil)
    }

    deinit {
      pthread_mutex_destroy(mutex)
      mutex.deallocate()
    }

    func next() -> Int? {
      pthread_mutex_lock(mutex)
      defer { pthread_mutex_unlock(mutex) }
      guard value < limit else { return nil }
      value += 1
      return value - 1
    }
  }
}

/// Runs each of `count` packing jobs exactly once, on whichever thread first needs its result;
/// a thread that needs a job another thread is running waits for it (the running job never
/// waits, so this cannot deadlock, and on one thread nothing ever waits).
final class PackOnce: @unchecked Sendable {
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private let condition: UnsafeMutablePointer<pthread_cond_t>
  // 0 not started, 1 running, 2 done; guarded by `mutex`.
  private var states: [UInt8]

  init(count: Int) {
    states = [UInt8](repeating: 0, count: count)
    mutex = .allocate(capacity: 1)
    condition = .allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(condition, nil)
  }

  deinit {
    pthread_cond_destroy(condition)
    pthread_mutex_destroy(mutex)
    condition.deallocate()
    mutex.deallocate()
  }

  /// Returns once job `index` has run, running it here if nobody has started it.
  func ensure(_ index: Int, _ job: () -> Void) {
    pthread_mutex_lock(mutex)
    while true {
      switch states[index] {
      case 2:
        pthread_mutex_unlock(mutex)
        return
      case 1:
        pthread_cond_wait(condition, mutex)
      default:
        states[index] = 1
        pthread_mutex_unlock(mutex)
        job()
        pthread_mutex_lock(mutex)
        states[index] = 2
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
        return
      }
    }
  }
}
