import Autodiff
import NeuralNet
import TensorCore

/// `perf train-step`: seconds of one Adam training step of the MLP 192->512->512->512->192 (SiLU,
/// batch 256, MSE against a fixed target), the figure `Scripts/side-by-side.py` sets beside
/// PyTorch CPU; with the loss after a fixed number of seeded steps and a hash of the parameters,
/// which must not change with `--threads`.
enum TrainStepCommand {
  static let spec = CommandSpec(
    name: "train-step", summary: "Seconds per Adam step of the MLP 192->512->512->512->192 (batch 256).",
    usage: """
      USAGE: perf train-step [--threads T] [--repeat R] [--steps S] [--json]

      Builds the MLP 192->512->512->512->192 (SiLU; NeuralNet.MLP without noise inputs) from a fixed
      seed, a fixed input x [256, 192] and target [256, 192], and takes S (default 20) Adam steps
      (lr 1e-3) of the MSE loss: it reports the loss of step S and the SHA-256 of the parameters
      after it (both identical for every --threads). Then it times further steps: seconds per step
      is the BEST over R (default 5) timed runs of at least 0.2 s each, after a warm-up.

      OPTIONS:
        --threads T   worker threads (default 1)
        --repeat R    timed runs (default 5)
        --steps S     seeded steps before the checksum (default 20)
        --json        {"secondsPerStep", "seconds", "median_seconds", "loss", "parameterChecksum", ...}
      """,
    valueOptions: ["--threads", "--repeat", "--steps"],
    flags: ["--json"])

  struct Step {
    let network: any Network
    let x: Variable
    let target: Variable
    var parameters: ParameterSet
    var optimizer: Optimizer

    init() {
      let architecture = NetworkArchitecture.mlp(MLPConfiguration(dataDimension: 192, hiddenWidths: [512, 512, 512]))
      let (network, parameters) = architecture.build(timeInputs: 0, seed: 2026)
      self.network = network
      self.parameters = parameters
      optimizer = Optimizer(OptimizerConfiguration(kind: .adam, learningRate: 1e-3), for: parameters)
      x = Variable(RandomStream(seed: 1, purpose: .testing).normalTensor(shape: [256, 192]))
      target = Variable(RandomStream(seed: 2, purpose: .testing).normalTensor(shape: [256, 192]))
    }

    mutating func step() -> Float {
      // The tape (which holds the parameter tensors) ends before the update, so the update
      // writes the parameters in place instead of copying them first.
      let (loss, gradients) = { [parameters, network, x, target] () -> (Float, [Tensor]) in
        let tape = Tape()
        let bound = parameters.bind(on: tape)
        let loss = meanSquaredError(network(x, conditions: [], parameters: bound), target)
        let gradients = tape.gradients(of: loss)
        return (loss.value.scalar, bound.variables.map { gradients[$0] })
      }()
      optimizer.update(&parameters, gradients: gradients)
      return loss
    }
  }

  static func run(_ arguments: ParsedArguments) throws {
    let threads = try arguments.integer("--threads", default: 1, atLeast: 1)
    let runs = try arguments.integer("--repeat", default: 5, atLeast: 1)
    let seededSteps = try arguments.integer("--steps", default: 20, atLeast: 1)
    ComputeThreads.count = threads
    var state = Step()
    var loss: Float = 0
    for _ in 0..<seededSteps { loss = state.step() }
    let checksum = state.parameters.checksum
    let measurement = Measurement.of(runs: runs) { _ = state.step() }
    if arguments.flag("--json") {
      print(
        "{\"secondsPerStep\": \(measurement.best), \"seconds\": \(measurement.best), \"median_seconds\": \(measurement.median), "
          + "\"loss\": \(loss), \"lossAfterSteps\": \(seededSteps), \"parameterChecksum\": \"\(checksum)\", "
          + "\"threads\": \(threads), \"runs\": \(runs)}")
    } else {
      print("train-step MLP 192->512x3->192 batch 256 threads \(threads): \(formatted(measurement.best * 1e3, digits: 3)) ms per step "
        + "(best of \(runs)), loss after \(seededSteps) steps \(loss), parameters \(checksum.prefix(16))")
    }
  }
}
