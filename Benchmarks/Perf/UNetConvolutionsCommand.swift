import TensorCore

/// `perf unet-conv`: GFLOP/s of every convolution of the suites' U-Nets, forward and both
/// gradients, best over interleaved rounds.
enum UNetConvolutionsCommand {
  /// A U-Net as the suites configure it (`Benchmarks/Suites/*.json`, `student.unet`).
  struct Preset {
    let name: String
    let channels: Int
    let resolution: Int
    let baseWidth: Int

    /// The U-Net's convolutions, named as its parameters (`NeuralNet/UNet.swift`): `conv_in`,
    /// the residual blocks' two 3x3 convolutions and 1x1 skips (down and up at full
    /// resolution, low and middle at half), `conv_out`.
    func layers(batch: Int) -> [(name: String, shape: ConvolutionShape)] {
      let (c, r, w) = (channels, resolution, baseWidth)
      func shape(_ cin: Int, _ size: Int, _ cout: Int, _ kernel: Int) -> ConvolutionShape {
        ConvolutionShape(batch: batch, inChannels: cin, height: size, width: size, outChannels: cout, kernel: kernel)
      }
      return [
        ("conv_in", shape(c, r, w, 3)),
        ("down.conv1/conv2", shape(w, r, w, 3)),
        ("low.conv1", shape(w, r / 2, 2 * w, 3)),
        ("low.conv2, middle", shape(2 * w, r / 2, 2 * w, 3)),
        ("low.skip", shape(w, r / 2, 2 * w, 1)),
        ("up.conv1", shape(3 * w, r, w, 3)),
        ("up.skip", shape(3 * w, r, w, 1)),
        ("conv_out", shape(w, r, c, 3)),
      ]
    }
  }

  static let presets = [
    Preset(name: "fashion-mnist", channels: 1, resolution: 14, baseWidth: 16),
    Preset(name: "cifar10", channels: 3, resolution: 16, baseWidth: 32),
  ]

  static let spec = CommandSpec(
    name: "unet-conv", summary: "GFLOP/s of every convolution of the suites' U-Nets, best of rounds.",
    usage: """
      USAGE: perf unet-conv [--preset fashion-mnist|cifar10|all] [--batch B] [--rounds N]
                            [--repeat R] [--threads T] [--clock cpu|wall] [--json]

      Times the forward pass, the input gradient and the weight gradient of each distinct
      convolution of the U-Net a suite trains: fashion-mnist (1 channel, 14x14, base width 16)
      and cifar10 (3 channels, 16x16, base width 32; ffhq64 and imagenet64 use the same
      network). GFLOP/s as `perf conv` (useful FLOPs over the best seconds per call); each figure
      is the best over N rounds that go through all shapes in turn, so a slow minute on a shared
      machine hits every shape alike instead of one. Ends with the lowest figure.

      OPTIONS:
        --preset P     fashion-mnist, cifar10 or all (default all)
        --batch B      images per call (default 32, the suites' distillation batch)
        --rounds N     interleaved rounds (default 3)
        --repeat R     timed runs per measurement (default 3)
        --threads T    worker threads (default 1)
        --clock C      cpu (default: process CPU time, robust to other processes) or wall
        --json         one JSON object per measurement, then a summary object
        --help         this text
      """,
    valueOptions: ["--preset", "--batch", "--rounds", "--repeat", "--threads", "--clock"],
    flags: ["--json"])

  static func run(_ arguments: ParsedArguments) throws {
    let presetName = arguments.options["--preset"] ?? "all"
    let chosen = presetName == "all" ? presets : presets.filter { $0.name == presetName }
    guard !chosen.isEmpty else {
      let valid = (presets.map(\.name) + ["all"]).joined(separator: ", ")
      throw PerfFailure.usage("perf unet-conv: --preset must be one of \(valid), got '\(presetName)'")
    }
    let batch = try arguments.integer("--batch", default: 32, atLeast: 1)
    let rounds = try arguments.integer("--rounds", default: 3, atLeast: 1)
    let runs = try arguments.integer("--repeat", default: 3, atLeast: 1)
    ComputeThreads.count = try arguments.integer("--threads", default: 1, atLeast: 1)
    let clock = try BenchmarkClock.parse(arguments, default: .cpu)
    let json = arguments.flag("--json")
    let passes: [ConvolutionPass] = [.forward, .input, .weight]
    var rows: [(preset: String, layer: String, shape: ConvolutionShape)] = []
    for preset in chosen {
      for layer in preset.layers(batch: batch) { rows.append((preset.name, layer.name, layer.shape)) }
    }
    var best = [[Double]](repeating: [Double](repeating: 0, count: passes.count), count: rows.count)
    for round in 1...rounds {
      if !json { printError("perf unet-conv: round \(round) of \(rounds)") }
      for (index, row) in rows.enumerated() {
        for (passIndex, pass) in passes.enumerated() {
          let (flops, measurement) = ConvolutionCommand.measure(row.shape, pass: pass, runs: runs, clock: clock)
          best[index][passIndex] = max(best[index][passIndex], flops / measurement.best / 1e9)
        }
      }
    }
    var lowest = (value: Double.infinity, where: "")
    for (index, row) in rows.enumerated() {
      for (passIndex, pass) in passes.enumerated() where best[index][passIndex] < lowest.value {
        lowest = (best[index][passIndex], "\(row.preset) \(row.layer) \(pass.label)")
      }
    }
    if json {
      for (index, row) in rows.enumerated() {
        for (passIndex, pass) in passes.enumerated() {
          print(
            "{\"gflops\": \(best[index][passIndex]), \"preset\": \"\(row.preset)\", \"layer\": \"\(row.layer)\", "
              + "\"shape\": \"\(row.shape.label)\", \"pass\": \"\(pass.label)\", \"rounds\": \(rounds), "
              + "\"clock\": \"\(clock.rawValue)\", \"threads\": \(ComputeThreads.count)}")
        }
      }
      print("{\"lowest_gflops\": \(lowest.value), \"lowest\": \"\(lowest.where)\"}")
      return
    }
    print("U-Net convolutions, GFLOP/s (best of \(rounds) rounds, \(clock.rawValue) clock, \(ComputeThreads.count) thread(s)):")
    print("  preset         layer              shape (BxCinxHxWxCout)   forward    input   weight")
    for (index, row) in rows.enumerated() {
      let figures = best[index].map { formatted($0).leftPadded(to: 8) }.joined(separator: " ")
      print("  " + row.preset.padded(to: 15) + row.layer.padded(to: 19) + row.shape.label.padded(to: 25) + figures)
    }
    print("lowest: \(formatted(lowest.value)) GFLOP/s (\(lowest.where))")
  }
}
