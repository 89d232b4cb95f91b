#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Synchronization

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

  /// Hands out 0, 1, 2, ... up to `limit` from one atomic counter.
  final class Counter: @unchecked Sendable {
    private let limit: Int
    private let value = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    func next() -> Int? {
      let claimed = value.wrappingAdd(1, ordering: .relaxed).oldValue
      return claimed < limit ? claimed : nil
    }
  }
}

/// Runs each of `count` packing jobs exactly once, on whichever thread first needs its result;
/// a thread that needs a job another thread is running waits for it (the running job never
/// waits, so this cannot deadlock, and on one thread nothing ever waits).
///
/// A waiter spins on the job's state, yielding the core after a while: a packing job takes tens
/// of microseconds, about as long as a sleeping thread takes to wake up on this VM (a condition
/// variable here cost 2-thread products 5-10% of their time).
final class PackOnce: @unchecked Sendable {
  private static let notStarted = 0
  private static let running = 1
  private static let done = 2
  private let states: UnsafeMutablePointer<Atomic<Int>>
  private let count: Int

  init(count: Int) {
    self.count = count
    states = .allocate(capacity: max(count, 1))
    for index in 0..<count { (states + index).initialize(to: Atomic(PackOnce.notStarted)) }
  }

  deinit {
    states.deinitialize(count: count)
    states.deallocate()
  }

  /// Returns once job `index` has run, running it here if nobody has started it. While another
  /// thread runs it, the waiter calls `meanwhile` (other work it may do; false when there is
  /// none) and spins only when that finds nothing.
  func ensure(_ index: Int, _ job: (Int) -> Void, meanwhile: () -> Bool = { false }) {
    precondition(index >= 0 && index < count, "PackOnce.ensure: job \(index) of \(count)")
    let state = states + index
    if state.pointee.load(ordering: .acquiring) == PackOnce.done { return }
    if claim(index) {
      run(index, job)
      return
    }
    var spins = 0
    while state.pointee.load(ordering: .acquiring) != PackOnce.done {
      if meanwhile() { continue }
      spins += 1
      if spins >= 4096 { sched_yield() }
    }
  }

  /// Runs one job nobody has started yet, if there is one; true if it ran one.
  func runAnyWaiting(_ job: (Int) -> Void) -> Bool {
    for index in 0..<count where states[index].load(ordering: .relaxed) == PackOnce.notStarted && claim(index) {
      run(index, job)
      return true
    }
    return false
  }

  /// Runs claimed job `index` and publishes it as done.
  private func run(_ index: Int, _ job: (Int) -> Void) {
    job(index)
    (states + index).pointee.store(PackOnce.done, ordering: .releasing)
  }

  private func claim(_ index: Int) -> Bool {
    (states + index).pointee.compareExchange(
      expected: PackOnce.notStarted, desired: PackOnce.running, ordering: .acquiring
    ).exchanged
  }
}
