import TensorCore

/// `perf conv`: GFLOP/s of `Convolution.forward` or `Convolution.backward` on one shape.
enum ConvolutionCommand {
  /// Which gradients `--backward` times.
  enum Gradient: String, CaseIterable {
    case both, input, weight
  }

  static let spec = CommandSpec(
    name: "conv", summary: "GFLOP/s of the stride-1 'same' convolution, forward or backward.",
    usage: """
      USAGE: perf conv --shape BxCinxHxWxCout [--kernel 3|1] [--threads T] [--backward]
                       [--gradient both|input|weight] [--repeat R] [--clock wall|cpu] [--json]

      Times Convolution.forward (or .backward with --backward) on NCHW input [B, Cin, H, W] and
      weight [Cout, Cin, k, k]. Useful FLOPs: forward 2 B Cout H W Cin k^2; each gradient (input,
      weight) the same again. GFLOP/s = useful FLOPs / seconds, seconds being the BEST seconds per
      call over R timed runs of at least 0.2 s each, after one warm-up run.

      OPTIONS:
        --shape BxCinxHxWxCout  batch, input channels, height, width, output channels (required)
        --kernel 3|1            kernel size (default 3)
        --threads T             worker threads of ComputeThreads (default 1)
        --backward              time the backward pass instead of the forward
        --gradient G            with --backward: both (default), input or weight
        --repeat R              timed runs (default 5)
        --clock C               wall (default) or cpu: process CPU time, robust to other
                                processes sharing the cores (for tuning; it sums the threads)
        --json                  print {"gflops": ..., "seconds": ..., ...} on one line
        --help                  this text
      """,
    valueOptions: ["--shape", "--kernel", "--threads", "--gradient", "--repeat", "--clock"],
    flags: ["--backward", "--json"])

  static func run(_ arguments: ParsedArguments) throws {
    let extents = try arguments.shape("--shape", count: 5, pattern: "BxCinxHxWxCout")
    let (batch, inChannels, height, width, outChannels) = (extents[0], extents[1], extents[2], extents[3], extents[4])
    let kernel = try arguments.integer("--kernel", default: 3, atLeast: 1)
    guard kernel == 1 || kernel == 3 else {
      throw PerfFailure.usage("perf conv: --kernel must be 3 or 1, got \(kernel)")
    }
    let threads = try arguments.integer("--threads", default: 1, atLeast: 1)
    let runs = try arguments.integer("--repeat", default: 5, atLeast: 1)
    let clock = try BenchmarkClock.parse(arguments)
    let backward = arguments.flag("--backward")
    let gradientText = arguments.options["--gradient"] ?? Gradient.both.rawValue
    guard let gradient = Gradient(rawValue: gradientText) else {
      let valid = Gradient.allCases.map(\.rawValue).joined(separator: ", ")
      throw PerfFailure.usage("perf conv: --gradient must be one of \(valid), got '\(gradientText)'")
    }
    ComputeThreads.count = threads

    let shape = ConvolutionShape(
      batch: batch, inChannels: inChannels, height: height, width: width, outChannels: outChannels, kernel: kernel)
    let pass: ConvolutionPass = backward ? (gradient == .both ? .backward : gradient == .input ? .input : .weight) : .forward
    let (flops, measurement) = measure(shape, pass: pass, runs: runs, clock: clock)
    let gflops = flops / measurement.best / 1e9
    if arguments.flag("--json") {
      print(
        "{\"gflops\": \(gflops), \"seconds\": \(measurement.best), \"median_seconds\": \(measurement.median), "
          + "\"statistic\": \"best\", \"clock\": \"\(clock.rawValue)\", \"shape\": [\(batch), \(inChannels), \(height), \(width), \(outChannels)], "
          + "\"kernel\": \(kernel), \"pass\": \"\(pass.label)\", \"threads\": \(threads), \"runs\": \(runs)}")
    } else {
      print(
        "conv \(batch)x\(inChannels)x\(height)x\(width)x\(outChannels) k\(kernel) \(pass.label) threads \(threads): "
          + "\(formatted(gflops)) GFLOP/s best, \(formatted(flops / measurement.median / 1e9)) median, "
          + "\(formatted(measurement.best * 1e3, digits: 4)) ms per call (best of \(runs))")
    }
  }
}

/// One convolution's extents.
struct ConvolutionShape {
  let batch: Int
  let inChannels: Int
  let height: Int
  let width: Int
  let outChannels: Int
  let kernel: Int

  /// Useful FLOPs of one pass (forward, or one gradient): 2 B Cout H W Cin k^2.
  var passFlops: Double {
    2 * Double(batch * outChannels * height * width) * Double(inChannels * kernel * kernel)
  }

  var label: String { "\(batch)x\(inChannels)x\(height)x\(width)x\(outChannels) k\(kernel)" }
}

/// What `measure` times.
enum ConvolutionPass: CaseIterable {
  case forward, input, weight, backward

  var label: String {
    switch self {
    case .forward: "forward"
    case .input: "backward-input"
    case .weight: "backward-weight"
    case .backward: "backward-both"
    }
  }
}

extension ConvolutionCommand {
  /// Times `pass` on seeded uniform data; returns the useful FLOPs per call and the timing.
  static func measure(
    _ shape: ConvolutionShape, pass: ConvolutionPass, runs: Int, clock: BenchmarkClock
  ) -> (flops: Double, measurement: Measurement) {
    let inputs = RandomStream(seed: 2, purpose: .testing)
    let x = inputs.uniformTensor(shape: [shape.batch, shape.inChannels, shape.height, shape.width], low: -1, high: 1)
    let w = inputs.atStep(1).uniformTensor(
      shape: [shape.outChannels, shape.inChannels, shape.kernel, shape.kernel], low: -1, high: 1)
    let g = inputs.atStep(2).uniformTensor(shape: [shape.batch, shape.outChannels, shape.height, shape.width], low: -1, high: 1)
    switch pass {
    case .forward:
      return (shape.passFlops, Measurement.of(runs: runs, clock: clock) {
        blackHole(Convolution.forward(x, weight: w).count)
      })
    case .input, .weight, .backward:
      let needInput = pass != .weight
      let needWeight = pass != .input
      let flops = shape.passFlops * Double((needInput ? 1 : 0) + (needWeight ? 1 : 0))
      return (flops, Measurement.of(runs: runs, clock: clock) {
        let result = Convolution.backward(x, weight: w, upstream: g, needInput: needInput, needWeight: needWeight)
        blackHole((result.input?.count ?? 0) + (result.weight?.count ?? 0))
      })
    }
  }
}

/// Keeps a result alive so the optimiser cannot drop the work that produced it.
@inline(never)
func blackHole(_ value: Int) {
  if value == -1 { print("") }
}
