import TensorCore

/// `perf elementwise`: throughput of the elementwise operations on the training hot path.
enum ElementwiseCommand {
  /// The timed operation.
  enum Operation: String, CaseIterable {
    case silu = "silu"
    case siluBackward = "silu-backward"
    case add = "add"
    case addBias = "add-bias"
    case multiply = "multiply"
    case sumRows = "sum-rows"
    case sumChannels = "sum-channels"
    case groupNorm = "group-norm"
    case groupNormBackward = "group-norm-backward"
  }

  static let spec = CommandSpec(
    name: "elementwise",
    summary: "Throughput of SiLU, broadcast binary ops, summed(toShape:) and GroupNorm.",
    usage: """
      USAGE: perf elementwise --op OP [--shape RxC] [--groups G] [--repeat R] [--reference] [--clock wall|cpu] [--json]

      Times one elementwise operation on a [R, C] tensor (default 256x512, a hidden layer of the
      MLP at batch 256). Reports nanoseconds per element and Gelement/s, from the BEST seconds per
      call over R timed runs of at least 0.2 s each, after one warm-up run. Single-threaded.

      OPERATIONS:
        silu            SiLU.forward(x)
        silu-backward   SiLU.backward(x, upstream: g)
        add             x + y, same shapes
        add-bias        x + b with b: [C] broadcast over rows
        multiply        x * y, same shapes
        sum-rows        x.summed(toShape: [C]) (the bias gradient)
        sum-channels    x as [R, G, C/G] summed to [1, G, 1] (a convolution's bias gradient:
                        --shape 64x8192 --groups 32 is cifar10's [64, 32, 16, 16])
        group-norm      GroupNormalization.forward(x, groups: G), G (sample, group)s per row of C
                        (a U-Net's [32, 16, 14, 14] with 8 groups is --shape 32x3136 --groups 8)
        group-norm-backward  GroupNormalization.backward of the same

      OPTIONS:
        --op OP         the operation (required)
        --shape RxC     the tensor's extents (default 256x512)
        --groups G      group-norm: groups per row; sum-channels: channels (default 8; must divide C)
        --repeat R      timed runs (default 5)
        --clock C       wall (default) or cpu: process CPU time, robust to other processes
                        sharing the cores (for tuning)
        --reference     silu, silu-backward: time the scalar reference loop (expf) instead;
                        group-norm: the one-group-at-a-time reference
        --json          print {"seconds": ..., "ns_per_element": ..., ...} on one line
        --help          this text
      """,
    valueOptions: ["--op", "--shape", "--groups", "--repeat", "--clock"],
    flags: ["--reference", "--json"])

  static func run(_ arguments: ParsedArguments) throws {
    let opText = try arguments.required("--op")
    guard let operation = Operation(rawValue: opText) else {
      let valid = Operation.allCases.map(\.rawValue).joined(separator: ", ")
      throw PerfFailure.usage("perf elementwise: --op must be one of \(valid), got '\(opText)'")
    }
    let extents = arguments.options["--shape"] == nil
      ? [256, 512] : try arguments.shape("--shape", count: 2, pattern: "RxC")
    let (rows, columns) = (extents[0], extents[1])
    let runs = try arguments.integer("--repeat", default: 5, atLeast: 1)
    let groups = try arguments.integer("--groups", default: 8, atLeast: 1)
    guard columns % groups == 0 else {
      throw PerfFailure.usage("perf elementwise: --groups \(groups) does not divide C = \(columns)")
    }
    let clock = try BenchmarkClock.parse(arguments)
    let inputs = RandomStream(seed: 3, purpose: .testing)
    let x = inputs.uniformTensor(shape: [rows, columns], low: -6, high: 6)
    let y = inputs.atStep(1).uniformTensor(shape: [rows, columns], low: -1, high: 1)
    let bias = inputs.atStep(2).uniformTensor(shape: [columns], low: -1, high: 1)
    let measurement: Measurement
    switch operation {
    case .silu where arguments.flag("--reference"):
      measurement = Measurement.of(runs: runs, clock: clock) { blackHole(SiLU.referenceForward(x).count) }
    case .silu:
      measurement = Measurement.of(runs: runs, clock: clock) { blackHole(SiLU.forward(x).count) }
    case .siluBackward where arguments.flag("--reference"):
      measurement = Measurement.of(runs: runs, clock: clock) {
        blackHole(SiLU.referenceBackward(x, upstream: y).count)
      }
    case .siluBackward:
      measurement = Measurement.of(runs: runs, clock: clock) { blackHole(SiLU.backward(x, upstream: y).count) }
    case .add:
      measurement = Measurement.of(runs: runs, clock: clock) { blackHole((x + y).count) }
    case .addBias:
      measurement = Measurement.of(runs: runs, clock: clock) { blackHole((x + bias).count) }
    case .multiply:
      measurement = Measurement.of(runs: runs, clock: clock) { blackHole((x * y).count) }
    case .sumRows:
      measurement = Measurement.of(runs: runs, clock: clock) { blackHole(x.summed(toShape: [columns]).count) }
    case .sumChannels:
      let planes = x.reshaped([rows, groups, columns / groups])
      measurement = Measurement.of(runs: runs, clock: clock) { blackHole(planes.summed(toShape: [1, groups, 1]).count) }
    case .groupNorm where arguments.flag("--reference"):
      measurement = Measurement.of(runs: runs, clock: clock) {
        blackHole(GroupNormalization.referenceForward(x, groups: groups).normalized.count)
      }
    case .groupNorm:
      measurement = Measurement.of(runs: runs, clock: clock) {
        blackHole(GroupNormalization.forward(x, groups: groups).normalized.count)
      }
    case .groupNormBackward:
      let (normalized, inverseStd) = GroupNormalization.forward(x, groups: groups)
      measurement = Measurement.of(runs: runs, clock: clock) {
        blackHole(GroupNormalization.backward(normalized: normalized, inverseStd: inverseStd, groups: groups, upstream: y).count)
      }
    }
    let elements = Double(rows * columns)
    let nanoseconds = measurement.best / elements * 1e9
    if arguments.flag("--json") {
      print(
        "{\"seconds\": \(measurement.best), \"median_seconds\": \(measurement.median), \"statistic\": \"best\", "
          + "\"ns_per_element\": \(nanoseconds), \"op\": \"\(operation.rawValue)\", "
          + "\"shape\": [\(rows), \(columns)], \"runs\": \(runs)}")
    } else {
      print(
        "elementwise \(operation.rawValue)\(arguments.flag("--reference") ? " (reference)" : "") \(rows)x\(columns): \(formatted(nanoseconds, digits: 3)) ns/element, "
          + "\(formatted(elements / measurement.best / 1e9)) Gelement/s, "
          + "\(formatted(measurement.best * 1e6, digits: 2)) µs per call (best of \(runs))")
    }
  }
}
