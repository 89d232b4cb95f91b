import Metrics
import TensorCore
import TestSupport
import Testing

@Suite("Sliced Wasserstein-2")
struct SlicedWassersteinTests {
  @Test("SW2 of a set with itself is 0", arguments: [1, 2, 5])
  func selfDistance(dimension: Int) {
    let x = RandomStream(seed: 1, purpose: .testing).normalTensor(shape: [300, dimension])
    let sw = SlicedWasserstein(dimension: dimension)
    #expect(sw.distance(x, x) == 0)
  }

  @Test(
    "Shifted copies: the distance along each direction is the shift's projection",
    arguments: [2, 6])
  func shiftedCopies(dimension: Int) {
    let x = RandomStream(seed: 2, purpose: .testing).normalTensor(shape: [257, dimension])
    let shift = (0..<dimension).map { 0.5 + Double($0) * 0.25 }
    let y = Tensor(
      shape: x.shape,
      scalars: x.scalars.enumerated().map { i, v in v + Float(shift[i % dimension]) })
    // The shift as applied in Float.
    let sw = SlicedWasserstein(dimension: dimension)
    let perDirection = sw.distancePerDirection(x, y)
    for k in 0..<sw.directions.rows {
      var projection = 0.0
      for j in 0..<dimension { projection += shift[j] * sw.directions[k, j] }
      expectClose(
        perDirection[k], abs(projection), relative: 1e-5, absolute: 1e-6, "direction \(k)")
    }
    if dimension == 2 {
      // Evenly spaced directions average cos^2 to 1/2: SW2 = |shift| / sqrt 2.
      let norm = shift.reduce(0) { $0 + $1 * $1 }.squareRoot()
      expectClose(sw.distance(x, y), norm / 2.0.squareRoot(), relative: 1e-5)
    }
  }

  @Test("Directions are unit vectors; 2-D directions are evenly spaced; unequal set sizes work")
  func directionsAndSizes() {
    let sw = SlicedWasserstein(dimension: 7, directionCount: 16)
    for k in 0..<16 {
      var norm = 0.0
      for j in 0..<7 { norm += sw.directions[k, j] * sw.directions[k, j] }
      expectClose(norm, 1, relative: 1e-14)
    }
    let planar = SlicedWasserstein(dimension: 2, directionCount: 4)
    expectClose(planar.directions[1, 0], 0.5.squareRoot(), relative: 1e-15)
    // 1-D: {0, 1} against {0, 0, 1, 1}: identical quantile functions.
    let line = SlicedWasserstein(dimension: 1)
    #expect(
      line.distance(
        Tensor(shape: [2, 1], scalars: [0, 1]), Tensor(shape: [4, 1], scalars: [1, 0, 1, 0])) == 0)
  }

  @Test("Bit-identical for 1 and 2 threads")
  func threadDeterminism() {
    let x = randomTensor([500, 4], seed: 3)
    let y = randomTensor([400, 4], seed: 4)
    let sw = SlicedWasserstein(dimension: 4)
    let one = ComputeThreads.withCount(1) { sw.distance(x, y) }
    let two = ComputeThreads.withCount(2) { sw.distance(x, y) }
    #expect(one.bitPattern == two.bitPattern)
  }
}
