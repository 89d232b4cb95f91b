import Diffusion
import TensorCore

/// `perf empirical-teacher`: throughput of the exact empirical denoiser (two matrix products and a
/// softmax per batch) beside the GEMM of its distance product, measured in the same invocation.
enum EmpiricalTeacherCommand {
  static let spec = CommandSpec(
    name: "empirical-teacher", summary: "GFLOP/s of the empirical teacher beside its distance GEMM.",
    usage: """
      USAGE: perf empirical-teacher [--count N] [--dimension D] [--batch B] [--threads T] [--repeat R] [--json]

      Times EmpiricalTeacher.denoiseWithTrace on a batch of B rows against N training points of
      dimension D (defaults 20000 x 196, batch 256: Fashion-MNIST at 14x14) at mixed noise levels.
      Its flops are counted as 4 B N D (the distance product X x^T and the weighted sum W X). Beside
      it, the GEMM of the distance product alone ([B, D] x [D, N]). Both are the best of R runs.

      OPTIONS:
        --count N      training points (default 20000)
        --dimension D  dimension (default 196)
        --batch B      rows per call (default 256)
        --threads T    worker threads (default 1)
        --repeat R     timed runs (default 5)
        --json         {"gflops", "seconds", "gemmGflops", "ratio", ...}
      """,
    valueOptions: ["--count", "--dimension", "--batch", "--threads", "--repeat"],
    flags: ["--json"])

  static func run(_ arguments: ParsedArguments) throws {
    let n = try arguments.integer("--count", default: 20000, atLeast: 1)
    let d = try arguments.integer("--dimension", default: 196, atLeast: 1)
    let batch = try arguments.integer("--batch", default: 256, atLeast: 1)
    let threads = try arguments.integer("--threads", default: 1, atLeast: 1)
    let runs = try arguments.integer("--repeat", default: 5, atLeast: 1)
    ComputeThreads.count = threads
    let data = RandomStream(seed: 1, purpose: .testing).uniformTensor(shape: [n, d], low: -1, high: 1)
    let teacher = EmpiricalTeacher(data: data, blockRows: batch)
    let x = RandomStream(seed: 2, purpose: .testing).normalTensor(shape: [batch, d])
    let levels = (0..<batch).map { 0.002 * pow(40_000, Double($0) / Double(max(batch - 1, 1))) }
    let teacherTime = Measurement.of(runs: runs) { _ = teacher.denoiseWithTrace(x, noiseLevels: levels) }
    let gemmTime = Measurement.of(runs: runs) { _ = Tensor.matmul(x, data, transposeB: true) }
    let gflops = teacher.flops(batch: batch) / teacherTime.best / 1e9
    let gemmGflops = 2 * Double(batch) * Double(n) * Double(d) / gemmTime.best / 1e9
    if arguments.flag("--json") {
      print("{\"gflops\": \(gflops), \"seconds\": \(teacherTime.best), \"gemmGflops\": \(gemmGflops), \"gemmSeconds\": \(gemmTime.best), "
        + "\"ratio\": \(gflops / gemmGflops), \"count\": \(n), \"dimension\": \(d), \"batch\": \(batch), \"threads\": \(threads)}")
    } else {
      print("empirical teacher \(n)x\(d), batch \(batch), threads \(threads): \(formatted(gflops)) GFLOP/s "
        + "(\(formatted(teacherTime.best * 1e3, digits: 3)) ms per call); its distance GEMM alone \(formatted(gemmGflops)) GFLOP/s; "
        + "ratio \(formatted(gflops / gemmGflops, digits: 3))")
    }
  }
}

#if canImport(Glibc)
  import Glibc
#endif
