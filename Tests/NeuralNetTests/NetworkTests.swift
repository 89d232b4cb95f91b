import Foundation
import Testing
import Autodiff
import NeuralNet
import TensorCore
import TestSupport

/// One seeded Adam step of a network against a fixed regression target; returns the loss and the
/// updated parameters.
func trainingSteps(
  _ architecture: NetworkArchitecture, timeInputs: Int, batch: Int, steps: Int, optimizer kind: OptimizerKind = .adam
) -> (losses: [Float], parameters: ParameterSet) {
  let (network, initial) = architecture.build(timeInputs: timeInputs, seed: 11)
  var parameters = initial
  var optimizer = Optimizer(OptimizerConfiguration(kind: kind, learningRate: 1e-3), for: parameters)
  let shape = [batch] + network.sampleShape
  var losses = [Float]()
  for step in 0..<steps {
    let x = RandomStream(seed: 3, purpose: .trainingNoise, step: step).normalTensor(shape: shape)
    let target = x.map { 0.5 * $0 + 0.1 }
    let conditions = (0..<timeInputs).map { j in (0..<batch).map { Float($0 + j) / Float(batch) - 0.5 } }
    let tape = Tape()
    let bound = parameters.bind(on: tape)
    let y = network(Variable(x), conditions: conditions, parameters: bound)
    let loss = meanSquaredError(y, Variable(target))
    let gradients = tape.gradients(of: loss)
    optimizer.update(&parameters, gradients: bound.variables.map { gradients[$0] })
    losses.append(loss.value.scalar)
  }
  return (losses, parameters)
}

@Suite("Layers, networks, optimisers")
struct NetworkTests {
  static let mlp = NetworkArchitecture.mlp(MLPConfiguration(dataDimension: 6, hiddenWidths: [32, 32], embeddingFeatures: 8, conditioningWidth: 16))
  static let unet = NetworkArchitecture.unet(UNetConfiguration(channels: 1, resolution: 8, baseWidth: 8, embeddingFeatures: 8, conditioningWidth: 16, groups: 4))

  @Test("MLP and U-Net gradients agree with finite differences")
  func networkGradients() {
    for architecture in [Self.mlp, Self.unet] {
      let (network, parameters) = architecture.build(timeInputs: 2, seed: 5, zeroExtraTimeInputs: false)
      let x = randomTensor([2] + network.sampleShape, seed: 6)
      let conditions: [[Float]] = [[0.3, -0.2], [0.1, 0.5]]
      // Differentiate with respect to the input and the first few parameter tensors.
      let probe = [x] + parameters.tensors.prefix(3)
      GradientChecker.check(probe, maxElements: 12) { v in
        var bound = parameters.constants().variables
        for i in 1..<v.count { bound[i - 1] = v[i] }
        return network(v[0], conditions: conditions, parameters: BoundParameters(bound))
      }
    }
  }

  @Test("Training reduces the loss, MLP and U-Net, Adam and RAdam")
  func training() {
    for kind in OptimizerKind.allCases {
      let mlp = trainingSteps(Self.mlp, timeInputs: 1, batch: 32, steps: 150, optimizer: kind).losses
      let (first, last): (Float, Float) = (mlp.prefix(10).reduce(0, +), mlp.suffix(10).reduce(0, +))
      // RAdam takes plain momentum steps until its variance estimate is tractable, so it starts slower.
      let factor: Float = kind == .adam ? 0.3 : 0.6
      #expect(last < factor * first, "MLP \(kind): first ten \(first), last ten \(last)")
    }
    let unet = trainingSteps(Self.unet, timeInputs: 1, batch: 8, steps: 60).losses
    let (first, last): (Float, Float) = (unet.prefix(5).reduce(0, +), unet.suffix(5).reduce(0, +))
    #expect(last < 0.5 * first, "U-Net: first five \(first), last five \(last)")
  }

  @Test("A training step is bit-identical for 1, 2, 3 and 4 threads")
  func threadDeterminism() {
    for architecture in [Self.mlp, Self.unet] {
      let one = ComputeThreads.withCount(1) { trainingSteps(architecture, timeInputs: 2, batch: 8, steps: 3) }
      for threads in 2...4 {
        let many = ComputeThreads.withCount(threads) { trainingSteps(architecture, timeInputs: 2, batch: 8, steps: 3) }
        #expect(one.losses.map { $0.bitPattern } == many.losses.map { $0.bitPattern }, "threads \(threads)")
        #expect(one.parameters.checksum == many.parameters.checksum, "threads \(threads)")
      }
    }
  }

  @Test("A student with a zeroed s-branch reproduces its teacher for every s")
  func studentInitialisation() {
    for architecture in [Self.mlp, Self.unet] {
      let (teacher, teacherParameters) = architecture.build(timeInputs: 1, seed: 21)
      let (student, fresh) = architecture.build(timeInputs: 2, seed: 99)
      var studentParameters = fresh
      let missing = studentParameters.load(from: teacherParameters, zeroMissing: true)
      #expect(missing.allSatisfy { $0.contains("time1") }, "\(missing)")
      let x = randomTensor([3] + teacher.sampleShape, seed: 22)
      let t: [Float] = [0.4, -1.0, 0.9]
      let a = teacher(Variable(x), conditions: [t], parameters: teacherParameters.constants()).value
      for s: [Float] in [[0.1, 0.2, 0.3], [-1.5, -1.5, -1.5]] {
        let b = student(Variable(x), conditions: [t, s], parameters: studentParameters.constants()).value
        expectBitIdentical(a, b)
      }
    }
  }

  @Test("Adam's first step moves each parameter by lr against its gradient's sign; RAdam's first step is SGD")
  func optimizerSteps() {
    var parameters = ParameterSet(names: ["w"], tensors: [Tensor([1, 2, 3])])
    var adam = Optimizer(OptimizerConfiguration(kind: .adam, learningRate: 0.1), for: parameters)
    adam.update(&parameters, gradients: [Tensor([0.5, -2, 0])])
    expectClose(Double(parameters.tensors[0].scalars[0]), 0.9, relative: 1e-6)
    expectClose(Double(parameters.tensors[0].scalars[1]), 2.1, relative: 1e-6)
    #expect(parameters.tensors[0].scalars[2] == 3)
    var p2 = ParameterSet(names: ["w"], tensors: [Tensor([1, 2])])
    var radam = Optimizer(OptimizerConfiguration(kind: .radam, learningRate: 0.1), for: p2)
    radam.update(&p2, gradients: [Tensor([0.5, -2])])
    expectClose(Double(p2.tensors[0].scalars[0]), 1 - 0.1 * 0.5, relative: 1e-6)
    expectClose(Double(p2.tensors[0].scalars[1]), 2 + 0.1 * 2, relative: 1e-6)
    var ema = ParameterSet(names: ["w"], tensors: [Tensor([0, 10])])
    ExponentialMovingAverage.update(&ema, towards: ParameterSet(names: ["w"], tensors: [Tensor([1, 0])]), rate: 0.9)
    expectClose(Double(ema.tensors[0].scalars[0]), 0.1, relative: 1e-6)
    expectClose(Double(ema.tensors[0].scalars[1]), 9, relative: 1e-6)
  }
}

@Suite("Checkpoints")
struct CheckpointTests {
  @Test("Round trip is exact; damaged or truncated files are errors naming the file")
  func roundTrip() throws {
    let (_, parameters) = NetworkTests.unet.build(timeInputs: 2, seed: 1)
    var checkpoint = Checkpoint(metadata: ["step": "12", "config": "{\"a\":1}"])
    checkpoint.store(parameters, as: "student")
    checkpoint.tensors["special"] = Tensor([.nan, .infinity, -0.0, Float.leastNonzeroMagnitude])
    let directory = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("a.ckpt").path
    try checkpoint.write(to: path)
    let back = try Checkpoint.read(from: path)
    #expect(back.metadata == checkpoint.metadata)
    #expect(try back.parameters("student", like: parameters).checksum == parameters.checksum)
    #expect(back.tensors["special"]!.scalars.map { $0.bitPattern } == checkpoint.tensors["special"]!.scalars.map { $0.bitPattern })
    #expect(try back.contentHash() == checkpoint.contentHash())

    var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
    bytes[bytes.count / 2] ^= 0x40
    #expect(throws: CheckpointError.self) { try Checkpoint(bytes: bytes, path: path) }
    do {
      _ = try Checkpoint(bytes: Array(bytes.prefix(100)), path: path)
      Issue.record("truncated checkpoint was accepted")
    } catch let error as CheckpointError {
      #expect(error.description.contains(path))
    }
    #expect(throws: CheckpointError.self) { try Checkpoint.read(from: directory.appendingPathComponent("missing").path) }
  }
}
