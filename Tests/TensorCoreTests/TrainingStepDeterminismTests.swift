import Testing
import TensorCore
import TestSupport

/// One training step written directly on the kernels (no tape): an MLP 192 -> 512 -> 192 with
/// SiLU on a batch of 256 and a 3x3 convolution layer on 16 images, MSE against fixed targets, and
/// an SGD update. Its new parameters must be bit-identical for any thread count.
@Suite("A training step on the kernels does not depend on the thread count")
struct TrainingStepDeterminismTests {
  struct Parameters: Equatable {
    var w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, kernel: Tensor
  }

  static func step(_ p: Parameters, x: Tensor, target: Tensor, image: Tensor, imageTarget: Tensor) -> Parameters {
    // MLP: h = silu(x W1^T + b1), y = h W2^T + b2.
    let z1 = Tensor.matmul(x, p.w1, transposeB: true) + p.b1
    let h = SiLU.forward(z1)
    let y = Tensor.matmul(h, p.w2, transposeB: true) + p.b2
    let dy = (y - target).scaled(by: 2 / Float(y.count))
    let dw2 = Tensor.matmul(dy, h, transposeA: true)
    let db2 = dy.summed(toShape: p.b2.shape)
    let dh = Tensor.matmul(dy, p.w2)
    let dz1 = SiLU.backward(z1, upstream: dh)
    let dw1 = Tensor.matmul(dz1, x, transposeA: true)
    let db1 = dz1.summed(toShape: p.b1.shape)
    // Convolution layer.
    let out = Convolution.forward(image, weight: p.kernel)
    let dout = (out - imageTarget).scaled(by: 2 / Float(out.count))
    let dkernel = Convolution.backward(image, weight: p.kernel, upstream: dout, needInput: false).weight!
    var next = p
    next.w1.addScaled(dw1, by: -0.1)
    next.b1.addScaled(db1, by: -0.1)
    next.w2.addScaled(dw2, by: -0.1)
    next.b2.addScaled(db2, by: -0.1)
    next.kernel.addScaled(dkernel, by: -0.1)
    return next
  }

  @Test("Two steps give the same bits with 1, 2, 3 and 4 threads")
  func determinism() {
    let start = Parameters(
      w1: randomTensor([512, 192], seed: 31).scaled(by: 0.07), b1: randomTensor([512], seed: 32),
      w2: randomTensor([192, 512], seed: 33).scaled(by: 0.04), b2: randomTensor([192], seed: 34),
      kernel: randomTensor([32, 16, 3, 3], seed: 35).scaled(by: 0.08))
    let x = randomTensor([256, 192], seed: 36)
    let target = randomTensor([256, 192], seed: 37)
    let image = randomTensor([16, 16, 14, 14], seed: 38)
    let imageTarget = randomTensor([16, 32, 14, 14], seed: 39)
    func run(_ threads: Int) -> Parameters {
      ComputeThreads.withCount(threads) {
        var p = start
        for _ in 0..<2 { p = Self.step(p, x: x, target: target, image: image, imageTarget: imageTarget) }
        return p
      }
    }
    let one = run(1)
    #expect(one.w1.isFinite && one.kernel.isFinite)
    for threads in 2...4 {
      let many = run(threads)
      expectBitIdentical(many.w1, one.w1, "w1, threads \(threads)")
      expectBitIdentical(many.b1, one.b1, "b1, threads \(threads)")
      expectBitIdentical(many.w2, one.w2, "w2, threads \(threads)")
      expectBitIdentical(many.b2, one.b2, "b2, threads \(threads)")
      expectBitIdentical(many.kernel, one.kernel, "kernel, threads \(threads)")
    }
  }
}
