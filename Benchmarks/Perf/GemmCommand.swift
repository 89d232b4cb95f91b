import TensorCore

/// `perf gemm`: GFLOP/s of `Gemm.multiply` (or of the reference) on one shape.
enum GemmCommand {
  static let spec = CommandSpec(
    name: "gemm", summary: "GFLOP/s of the packed SIMD matrix product on one shape.",
    usage: """
      USAGE: perf gemm --shape MxKxN [--threads T] [--transpose-a] [--transpose-b] [--repeat R]
                       [--clock wall|cpu] [--reference] [--json]

      Times C[M,N] = op(A)[M,K] op(B)[K,N] with Gemm.multiply (fresh C, no accumulation).
      GFLOP/s = 2 M N K / seconds, where seconds is the BEST seconds per call over R timed runs,
      each run at least 0.2 s of back-to-back calls, after one warm-up run.

      OPTIONS:
        --shape MxKxN    the product's extents (required)
        --threads T      worker threads of ComputeThreads (default 1)
        --transpose-a    A is stored [K, M] and read transposed
        --transpose-b    B is stored [N, K] and read transposed
        --repeat R       timed runs (default 5)
        --clock C        wall (default): wall-clock time; cpu: process CPU time, robust to other
                         processes sharing the cores (for tuning; it sums the threads)
        --reference      time Gemm.reference instead (the naive triple loop)
        --json           print {"gflops": ..., "seconds": ..., ...} on one line
        --help           this text
      """,
    valueOptions: ["--shape", "--threads", "--repeat", "--clock"],
    flags: ["--transpose-a", "--transpose-b", "--reference", "--json"])

  static func run(_ arguments: ParsedArguments) throws {
    let extents = try arguments.shape("--shape", count: 3, pattern: "MxKxN")
    let (m, k, n) = (extents[0], extents[1], extents[2])
    let threads = try arguments.integer("--threads", default: 1, atLeast: 1)
    let runs = try arguments.integer("--repeat", default: 5, atLeast: 1)
    let clock = try BenchmarkClock.parse(arguments)
    let transposeA = arguments.flag("--transpose-a")
    let transposeB = arguments.flag("--transpose-b")
    let useReference = arguments.flag("--reference")
    ComputeThreads.count = threads

    let inputs = RandomStream(seed: 1, purpose: .testing)
    let a = inputs.uniformTensor(shape: transposeA ? [k, m] : [m, k], low: -1, high: 1)
    let b = inputs.atStep(1).uniformTensor(shape: transposeB ? [n, k] : [k, n], low: -1, high: 1)
    var c = [Float](repeating: 0, count: m * n)
    let measurement = a.scalars.withUnsafeBufferPointer { pa in
      b.scalars.withUnsafeBufferPointer { pb in
        c.withUnsafeMutableBufferPointer { pc in
          let opA = MatrixOperand(pa.baseAddress!, leadingDimension: a.shape[1], transposed: transposeA)
          let opB = MatrixOperand(pb.baseAddress!, leadingDimension: b.shape[1], transposed: transposeB)
          let out = pc.baseAddress!
          return Measurement.of(runs: runs, clock: clock) {
            if useReference {
              Gemm.reference(m: m, n: n, k: k, a: opA, b: opB, c: out, ldc: n, accumulate: false)
            } else {
              Gemm.multiply(m: m, n: n, k: k, a: opA, b: opB, c: out, ldc: n, accumulate: false)
            }
          }
        }
      }
    }
    let flops = 2 * Double(m) * Double(n) * Double(k)
    let gflops = flops / measurement.best / 1e9
    if arguments.flag("--json") {
      print(
        "{\"gflops\": \(gflops), \"seconds\": \(measurement.best), \"median_seconds\": \(measurement.median), "
          + "\"statistic\": \"best\", \"clock\": \"\(clock.rawValue)\", \"shape\": [\(m), \(k), \(n)], \"threads\": \(threads), "
          + "\"transpose_a\": \(transposeA), \"transpose_b\": \(transposeB), \"runs\": \(runs), "
          + "\"kernel\": \"\(useReference ? "reference" : "multiply")\"}")
    } else {
      print(
        "gemm \(m)x\(k)x\(n)\(transposeA ? " Aᵀ" : "")\(transposeB ? " Bᵀ" : "") threads \(threads)"
          + "\(useReference ? " (reference)" : ""): \(formatted(gflops)) GFLOP/s best, "
          + "\(formatted(flops / measurement.median / 1e9)) median, "
          + "\(formatted(measurement.best * 1e3, digits: 4)) ms per call (best of \(runs))")
    }
  }
}
