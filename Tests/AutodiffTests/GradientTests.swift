import Testing
import TensorCore
import Autodiff
import TestSupport

@Suite("Every primitive's pullback against central finite differences")
struct GradientTests {
  @Test("Broadcasting add, subtract, multiply, divide",
    arguments: [([3, 4], [4]), ([2, 3, 4], [3, 1]), ([2, 1], [1, 5]), ([4, 3], [4, 3]), ([2, 3, 2, 2], [1, 3, 1, 1]), ([5], [])])
  func broadcasting(shapes: ([Int], [Int])) {
    let a = randomTensor(shapes.0, seed: 1)
    let b = randomTensor(shapes.1.isEmpty ? [1] : shapes.1, seed: 2).reshaped(shapes.1).adding(3)  // away from 0 for division
    GradientChecker.check([a, b]) { $0[0] + $0[1] }
    GradientChecker.check([a, b]) { $0[0] - $0[1] }
    GradientChecker.check([a, b]) { $0[0] * $0[1] }
    GradientChecker.check([a, b]) { $0[0] / $0[1] }
    GradientChecker.check([b, a]) { $0[0] * $0[1] }
    GradientChecker.check([a]) { $0[0] * 2.5 + 1 }
  }

  @Test("Matrix products with every transpose", arguments: [(false, false), (true, false), (false, true), (true, true)])
  func products(transposes: (Bool, Bool)) {
    let (ta, tb) = transposes
    let (m, k, n) = (3, 5, 4)
    let a = randomTensor(ta ? [k, m] : [m, k], seed: 3)
    let b = randomTensor(tb ? [n, k] : [k, n], seed: 4)
    GradientChecker.check([a, b]) { matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
  }

  @Test("exp, log, sqrt, square, SiLU")
  func elementwise() {
    let x = randomTensor([3, 7], seed: 5)
    let positive = x.map { abs($0) + 0.5 }
    GradientChecker.check([x]) { exp($0[0]) }
    GradientChecker.check([positive]) { log($0[0]) }
    GradientChecker.check([positive]) { sqrt($0[0]) }
    GradientChecker.check([x]) { square($0[0]) }
    GradientChecker.check([x.scaled(by: 3)]) { silu($0[0]) }
  }

  @Test("sum, mean, sum along axes, mean squared error")
  func reductions() {
    let x = randomTensor([2, 3, 4], seed: 6)
    let y = randomTensor([2, 3, 4], seed: 7)
    GradientChecker.check([x]) { sum($0[0]) }
    GradientChecker.check([x]) { mean($0[0]) }
    GradientChecker.check([x]) { sum($0[0], alongAxes: [0, 2]) }
    GradientChecker.check([x, y]) { meanSquaredError($0[0], $0[1]) }
  }

  @Test("reshape and concatenate")
  func shaping() {
    let x = randomTensor([2, 6], seed: 8)
    let y = randomTensor([2, 2, 3], seed: 9)
    GradientChecker.check([x]) { reshape($0[0], [3, 4]) }
    GradientChecker.check([reshape(Variable(x), [2, 2, 3]).value, y]) { concatenate([$0[0], $0[1]], axis: 1) }
    GradientChecker.check([x, x.scaled(by: 2)]) { concatenate([$0[0], $0[1]], axis: 1) }
  }

  @Test("3x3 and 1x1 convolutions", arguments: [1, 3])
  func convolution(kernel: Int) {
    let x = randomTensor([2, 3, 5, 4], seed: 10)
    let w = randomTensor([4, 3, kernel, kernel], seed: 11)
    GradientChecker.check([x, w]) { conv2d($0[0], $0[1]) }
  }

  @Test("average pooling, nearest upsampling, group normalisation")
  func imageOperations() {
    let x = randomTensor([2, 4, 4, 6], seed: 12)
    GradientChecker.check([x]) { averagePool2x2($0[0]) }
    GradientChecker.check([x]) { upsampleNearest2x($0[0]) }
    GradientChecker.check([x], relative: 3e-2) { groupNormalize($0[0], groups: 2) }
    let v = randomTensor([3, 8], seed: 13)
    GradientChecker.check([v], relative: 3e-2) { groupNormalize($0[0], groups: 2) }
  }

  @Test("A composite: a two-layer network's loss")
  func composite() {
    let x = randomTensor([4, 3], seed: 14)
    let w1 = randomTensor([5, 3], seed: 15)
    let b1 = randomTensor([5], seed: 16)
    let w2 = randomTensor([2, 5], seed: 17)
    let target = randomTensor([4, 2], seed: 18)
    GradientChecker.check([x, w1, b1, w2]) { v in
      let h = silu(matmul(v[0], v[1], transposeB: true) + v[2])
      return meanSquaredError(matmul(h, v[3], transposeB: true), Variable(target))
    }
  }
}

@Suite("Tape mechanics")
struct TapeTests {
  @Test("Vector-Jacobian products of a tensor output; constants record nothing; detach stops gradients")
  func vectorJacobian() {
    let tape = Tape()
    let x = tape.variable(Tensor([1, 2, 3]))
    let y = x * x  // dy/dx = diag(2x)
    let v = Tensor([1, 10, 100])
    let g = tape.gradients(of: y, seed: v)[x]
    #expect(g.scalars == [2, 40, 600])
    let before = tape.count
    _ = Variable(Tensor([1])) * Variable(Tensor([2]))
    #expect(tape.count == before)
    let z = x * x.detached
    #expect(tape.gradients(of: sum(z))[x].scalars == [1, 2, 3])
    // Fan-out: x used twice accumulates.
    let w = x + x * 3
    #expect(tape.gradients(of: sum(w))[x].scalars == [4, 4, 4])
  }
}

@Suite("Tape lifetime")
struct TapeLifetimeTests {
  @Test("A tape and everything on it is freed once its variables are gone (no pullback captures a variable)")
  func noRetainCycle() {
    weak var weakTape: Tape? = nil
    do {
      let tape = Tape()
      weakTape = tape
      let x = tape.variable(randomTensor([4, 3], seed: 1))
      let w = tape.variable(randomTensor([3, 2], seed: 2))
      let bias = Variable(Tensor([0.5, -0.5]))
      let y = silu(matmul(x, w) + bias)
      let z = (y - y * 2) / (y * y + 1)
      let loss = meanSquaredError(concatenate([z, exp(z)], axis: 1), Variable(Tensor(zeros: [4, 4])))
      _ = tape.gradients(of: loss)
    }
    #expect(weakTape == nil, "the tape outlived its variables: a pullback holds one")
  }
}
