import Testing
import TensorCore
import TestSupport

@Suite("Elementwise, reductions and image kernels")
struct KernelTests {
  @Test("Broadcasting matches an explicit loop")
  func broadcasting() {
    let a = randomTensor([2, 3, 4], seed: 1)
    let b = randomTensor([3, 1], seed: 2)
    let sum = a + b
    #expect(sum.shape == [2, 3, 4])
    for i in 0..<2 { for j in 0..<3 { for k in 0..<4 {
      #expect(sum.scalars[(i * 3 + j) * 4 + k] == a.scalars[(i * 3 + j) * 4 + k] + b.scalars[j])
    } } }
    let reduced = sum.summed(toShape: [3, 1])
    for j in 0..<3 {
      var s: Float = 0
      for i in 0..<2 { for k in 0..<4 { s += sum.scalars[(i * 3 + j) * 4 + k] } }
      expectClose(Double(reduced.scalars[j]), Double(s), relative: 1e-6)
    }
  }

  @Test("3x3 convolution matches a direct loop; 1, 2, 3 and 4 threads agree bit for bit")
  func convolution() {
    let x = randomTensor([3, 4, 6, 5], seed: 3)
    let w = randomTensor([7, 4, 3, 3], seed: 4)
    let y = ComputeThreads.withCount(1) { Convolution.forward(x, weight: w) }
    var direct = [Float](repeating: 0, count: 3 * 7 * 6 * 5)
    for b in 0..<3 { for o in 0..<7 { for i in 0..<6 { for j in 0..<5 {
      var s: Double = 0
      for c in 0..<4 { for ky in 0..<3 { for kx in 0..<3 {
        let (yy, xx) = (i + ky - 1, j + kx - 1)
        if yy >= 0 && yy < 6 && xx >= 0 && xx < 5 {
          s += Double(w.scalars[((o * 4 + c) * 3 + ky) * 3 + kx]) * Double(x.scalars[((b * 4 + c) * 6 + yy) * 5 + xx])
        }
      } } }
      direct[((b * 7 + o) * 6 + i) * 5 + j] = Float(s)
    } } } }
    expectClose(y, Tensor(shape: [3, 7, 6, 5], scalars: direct), relative: 1e-5, absolute: 1e-5)
    let g = randomTensor([3, 7, 6, 5], seed: 5)
    let one = ComputeThreads.withCount(1) { Convolution.backward(x, weight: w, upstream: g) }
    for threads in [2, 3, 4] {
      let many = ComputeThreads.withCount(threads) { (Convolution.forward(x, weight: w), Convolution.backward(x, weight: w, upstream: g)) }
      expectBitIdentical(many.0, y)
      expectBitIdentical(many.1.input!, one.input!)
      expectBitIdentical(many.1.weight!, one.weight!)
    }
  }

  @Test("Fast convolution equals the reference loops bit for bit, forward and both gradients, any thread count",
    arguments: [
      [3, 4, 6, 5, 7, 3], [10, 3, 7, 7, 5, 3], [9, 5, 8, 8, 6, 1], [2, 2, 16, 17, 3, 3], [12, 17, 4, 3, 9, 1],
      [1, 1, 5, 5, 1, 3], [17, 6, 3, 3, 33, 3],
      // Widths 32/16 (whole-vector packing), 14/7 (rows straddling panels) and few output
      // channels (the direct kernels).
      [3, 2, 16, 16, 5, 3], [2, 3, 32, 32, 4, 3], [4, 2, 32, 32, 3, 3], [3, 5, 7, 7, 1, 3],
      [9, 3, 16, 16, 1, 1], [2, 4, 33, 35, 2, 3], [5, 7, 14, 14, 3, 3], [3, 6, 9, 40, 3, 1],
      // The U-Nets' shallow first layers (direct forward with many outputs), 14- and 7-wide
      // rows whose weight-gradient panels end in partial transposes, 1x1 planes across images.
      [4, 1, 14, 14, 16, 3], [3, 3, 16, 16, 7, 3], [2, 2, 5, 5, 4, 3], [3, 16, 14, 14, 1, 3],
      [5, 16, 7, 7, 32, 1], [3, 9, 7, 7, 10, 3], [4, 5, 3, 3, 8, 1],
      // Groups of more than 8 images: the direct weight gradient continues its chains across
      // chunks.
      [70, 2, 4, 9, 2, 3], [66, 9, 3, 8, 1, 3], [70, 1, 3, 4, 5, 3],
      // Shallow layers with more outputs than one pass of 16, and planes under 8 pixels.
      [3, 3, 8, 8, 33, 3], [2, 1, 2, 3, 5, 3],
      // Multiples of 16 input channels (the channel-tiled input gradient): the U-Nets' 7x7,
      // 8x8 and 14x14 planes, a last tile of 1-5 pixels, planes smaller than one tile.
      [5, 16, 7, 7, 32, 3], [3, 32, 8, 8, 9, 3], [2, 48, 14, 14, 16, 3], [4, 16, 2, 3, 5, 3],
      [3, 32, 1, 1, 4, 3], [9, 16, 5, 4, 6, 3],
      // Rows 9 to 16 wide (the row-panel forward): 4-row panels (8, 10, 32 outputs), partial
      // 6-row panels (7, 5 above), two and four depth blocks, partial and whole 16-lane rows.
      [3, 30, 9, 9, 32, 3], [2, 40, 15, 10, 10, 3], [2, 5, 12, 13, 8, 3], [3, 3, 11, 16, 64, 3],
      [2, 96, 6, 16, 32, 3], [3, 31, 5, 15, 13, 3],
      // Multiples of 16 outputs (the tap-panel weight gradient): a last panel of 3 taps (63 and
      // 45 deep), and 20 images, whose chains continue across chunks.
      [2, 7, 5, 6, 16, 3], [20, 5, 6, 6, 16, 3],
      // 8-wide rows two to a row panel (even heights; an odd one keeps the packed product).
      [2, 40, 6, 8, 32, 3], [3, 4, 4, 8, 16, 3], [2, 16, 5, 8, 16, 3],
      // Multiples of 16 outputs on planes at most 8 wide (the pixel-panel forward): chunks of
      // 2-3 images (batches over 8) whose 6-pixel panels straddle images (49-, 9-, 20- and
      // 1-pixel planes), last panels of 1-5 pixels, 48 outputs.
      [16, 16, 7, 7, 16, 3], [12, 10, 3, 3, 48, 3], [20, 20, 4, 5, 32, 3], [17, 3, 1, 1, 16, 3],
      [4, 32, 7, 7, 16, 3],
    ])
  func convolutionMatchesReference(shape: [Int]) {
    let (batch, inChannels, height, width, outChannels, k) = (shape[0], shape[1], shape[2], shape[3], shape[4], shape[5])
    let x = randomTensor([batch, inChannels, height, width], seed: 11)
    let w = randomTensor([outChannels, inChannels, k, k], seed: 12)
    let g = randomTensor([batch, outChannels, height, width], seed: 13)
    let expectedForward = Convolution.referenceForward(x, weight: w)
    let expected = Convolution.referenceBackward(x, weight: w, upstream: g)
    for threads in 1...4 {
      let (forward, both) = ComputeThreads.withCount(threads) {
        (Convolution.forward(x, weight: w), Convolution.backward(x, weight: w, upstream: g))
      }
      let label = "\(shape) threads \(threads)"
      expectBitIdentical(forward, expectedForward, "forward \(label)")
      expectBitIdentical(both.input!, expected.input, "input gradient \(label)")
      expectBitIdentical(both.weight!, expected.weight, "weight gradient \(label)")
    }
    let inputOnly = Convolution.backward(x, weight: w, upstream: g, needInput: true, needWeight: false)
    #expect(inputOnly.weight == nil)
    expectBitIdentical(inputOnly.input!, expected.input, "input gradient alone \(shape)")
    let weightOnly = Convolution.backward(x, weight: w, upstream: g, needInput: false, needWeight: true)
    #expect(weightOnly.input == nil)
    expectBitIdentical(weightOnly.weight!, expected.weight, "weight gradient alone \(shape)")
  }

  @Test("Pooling and upsampling are adjoint to their backward passes")
  func adjoints() {
    let x = randomTensor([2, 3, 4, 6], seed: 6)
    let g = randomTensor([2, 3, 2, 3], seed: 7)
    // <pool(x), g> == <x, pool^T(g)>
    let lhs = (Resampling.averagePool2x2(x) * g).sumAll()
    let rhs = (x * Resampling.averagePool2x2Backward(g, inputShape: x.shape)).sumAll()
    expectClose(lhs, rhs, relative: 1e-5)
    let up = Resampling.upsampleNearest2x(g)
    expectClose((up * x).sumAll(), (g * Resampling.upsampleNearest2xBackward(x)).sumAll(), relative: 1e-5)
  }

  @Test("Concatenate and split are inverse")
  func concatenation() {
    let a = randomTensor([2, 3, 2], seed: 8)
    let b = randomTensor([2, 1, 2], seed: 9)
    let c = Tensor.concatenate([a, b], axis: 1)
    #expect(c.shape == [2, 4, 2])
    let parts = c.split(axis: 1, extents: [3, 1])
    #expect(parts[0] == a && parts[1] == b)
  }
}
