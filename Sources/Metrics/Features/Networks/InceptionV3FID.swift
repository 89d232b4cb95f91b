/// Inception-v3 exactly as pytorch-fid (`pytorch_fid.inception.fid_inception_v3`) builds it for
/// FID, up to the pool3 features (2048): torchvision's Inception-v3 trunk with the FID blocks of
/// the TensorFlow graph: `FIDInceptionA` (Mixed_5b/c/d) and `FIDInceptionC` (Mixed_6b..e) and
/// `FIDInceptionE_1` (Mixed_7b) average-pool with `count_include_pad=False`, `FIDInceptionE_2`
/// (Mixed_7c) max-pools its pool branch. Every `BasicConv2d` is a convolution without bias,
/// BatchNorm (eps 1e-3, folded into the convolution by the converter) and ReLU.
///
/// Trunk: Conv2d_1a_3x3 (3 -> 32, stride 2), Conv2d_2a_3x3 (32 -> 32), Conv2d_2b_3x3 (32 -> 64,
/// padding 1), max pool 3/2, Conv2d_3b_1x1 (64 -> 80), Conv2d_4a_3x3 (80 -> 192), max pool 3/2,
/// Mixed_5b/5c/5d (A: pool features 32, 64, 64), Mixed_6a (B), Mixed_6b..6e (C: 7x7 widths 128,
/// 160, 160, 192), Mixed_7a (D), Mixed_7b (E_1), Mixed_7c (E_2), mean over positions.
struct InceptionV3FID {
  static let featureDimension = 2048

  /// A block's layers by their branch name (`branch1x1`, `branch5x5_1`, ...).
  typealias Layers = [String: ConvolutionLayer]

  let trunk: [ConvolutionLayer]
  let mixed5: [Layers]
  let mixed6a: Layers
  let mixed6: [Layers]
  let mixed7a: Layers
  let mixed7b: Layers
  let mixed7c: Layers

  init(weights w: NetworkWeights) throws(MetricsError) {
    func conv(
      _ name: String, _ i: Int, _ o: Int, _ k: (Int, Int), stride: Int = 1, pad: (Int, Int) = (0, 0)
    ) throws(MetricsError) -> ConvolutionLayer {
      try w.convolution(name, in: i, out: o, kernel: k, stride: stride, padding: .symmetric(pad.0, pad.1))
    }
    trunk = [
      try conv("Conv2d_1a_3x3", 3, 32, (3, 3), stride: 2),
      try conv("Conv2d_2a_3x3", 32, 32, (3, 3)),
      try conv("Conv2d_2b_3x3", 32, 64, (3, 3), pad: (1, 1)),
      try conv("Conv2d_3b_1x1", 64, 80, (1, 1)),
      try conv("Conv2d_4a_3x3", 80, 192, (3, 3)),
    ]
    func blockA(_ n: String, _ i: Int, _ pool: Int) throws(MetricsError) -> Layers {
      [
        "branch1x1": try conv(n + ".branch1x1", i, 64, (1, 1)),
        "branch5x5_1": try conv(n + ".branch5x5_1", i, 48, (1, 1)),
        "branch5x5_2": try conv(n + ".branch5x5_2", 48, 64, (5, 5), pad: (2, 2)),
        "branch3x3dbl_1": try conv(n + ".branch3x3dbl_1", i, 64, (1, 1)),
        "branch3x3dbl_2": try conv(n + ".branch3x3dbl_2", 64, 96, (3, 3), pad: (1, 1)),
        "branch3x3dbl_3": try conv(n + ".branch3x3dbl_3", 96, 96, (3, 3), pad: (1, 1)),
        "branch_pool": try conv(n + ".branch_pool", i, pool, (1, 1)),
      ]
    }
    mixed5 = [try blockA("Mixed_5b", 192, 32), try blockA("Mixed_5c", 256, 64), try blockA("Mixed_5d", 288, 64)]
    mixed6a = [
      "branch3x3": try conv("Mixed_6a.branch3x3", 288, 384, (3, 3), stride: 2),
      "branch3x3dbl_1": try conv("Mixed_6a.branch3x3dbl_1", 288, 64, (1, 1)),
      "branch3x3dbl_2": try conv("Mixed_6a.branch3x3dbl_2", 64, 96, (3, 3), pad: (1, 1)),
      "branch3x3dbl_3": try conv("Mixed_6a.branch3x3dbl_3", 96, 96, (3, 3), stride: 2),
    ]
    func blockC(_ n: String, _ c7: Int) throws(MetricsError) -> Layers {
      [
        "branch1x1": try conv(n + ".branch1x1", 768, 192, (1, 1)),
        "branch7x7_1": try conv(n + ".branch7x7_1", 768, c7, (1, 1)),
        "branch7x7_2": try conv(n + ".branch7x7_2", c7, c7, (1, 7), pad: (0, 3)),
        "branch7x7_3": try conv(n + ".branch7x7_3", c7, 192, (7, 1), pad: (3, 0)),
        "branch7x7dbl_1": try conv(n + ".branch7x7dbl_1", 768, c7, (1, 1)),
        "branch7x7dbl_2": try conv(n + ".branch7x7dbl_2", c7, c7, (7, 1), pad: (3, 0)),
        "branch7x7dbl_3": try conv(n + ".branch7x7dbl_3", c7, c7, (1, 7), pad: (0, 3)),
        "branch7x7dbl_4": try conv(n + ".branch7x7dbl_4", c7, c7, (7, 1), pad: (3, 0)),
        "branch7x7dbl_5": try conv(n + ".branch7x7dbl_5", c7, 192, (1, 7), pad: (0, 3)),
        "branch_pool": try conv(n + ".branch_pool", 768, 192, (1, 1)),
      ]
    }
    mixed6 = [
      try blockC("Mixed_6b", 128), try blockC("Mixed_6c", 160), try blockC("Mixed_6d", 160),
      try blockC("Mixed_6e", 192),
    ]
    mixed7a = [
      "branch3x3_1": try conv("Mixed_7a.branch3x3_1", 768, 192, (1, 1)),
      "branch3x3_2": try conv("Mixed_7a.branch3x3_2", 192, 320, (3, 3), stride: 2),
      "branch7x7x3_1": try conv("Mixed_7a.branch7x7x3_1", 768, 192, (1, 1)),
      "branch7x7x3_2": try conv("Mixed_7a.branch7x7x3_2", 192, 192, (1, 7), pad: (0, 3)),
      "branch7x7x3_3": try conv("Mixed_7a.branch7x7x3_3", 192, 192, (7, 1), pad: (3, 0)),
      "branch7x7x3_4": try conv("Mixed_7a.branch7x7x3_4", 192, 192, (3, 3), stride: 2),
    ]
    func blockE(_ n: String, _ i: Int) throws(MetricsError) -> Layers {
      [
        "branch1x1": try conv(n + ".branch1x1", i, 320, (1, 1)),
        "branch3x3_1": try conv(n + ".branch3x3_1", i, 384, (1, 1)),
        "branch3x3_2a": try conv(n + ".branch3x3_2a", 384, 384, (1, 3), pad: (0, 1)),
        "branch3x3_2b": try conv(n + ".branch3x3_2b", 384, 384, (3, 1), pad: (1, 0)),
        "branch3x3dbl_1": try conv(n + ".branch3x3dbl_1", i, 448, (1, 1)),
        "branch3x3dbl_2": try conv(n + ".branch3x3dbl_2", 448, 384, (3, 3), pad: (1, 1)),
        "branch3x3dbl_3a": try conv(n + ".branch3x3dbl_3a", 384, 384, (1, 3), pad: (0, 1)),
        "branch3x3dbl_3b": try conv(n + ".branch3x3dbl_3b", 384, 384, (3, 1), pad: (1, 0)),
        "branch_pool": try conv(n + ".branch_pool", i, 192, (1, 1)),
      ]
    }
    mixed7b = try blockE("Mixed_7b", 1280)
    mixed7c = try blockE("Mixed_7c", 2048)
  }

  /// The 2048 pool3 features of one normalised image `[3, H, W]` (H, W >= 75).
  func features(_ image: FeatureMap) -> [Float] {
    var x = trunk[0](image, .relu)
    x = trunk[1](x, .relu)
    x = trunk[2](x, .relu)
    x = Pooling.max(x, kernel: 3, stride: 2)
    x = trunk[3](x, .relu)
    x = trunk[4](x, .relu)
    x = Pooling.max(x, kernel: 3, stride: 2)
    for layers in mixed5 { x = Self.blockA(layers, x) }
    x = Self.blockB(mixed6a, x)
    for layers in mixed6 { x = Self.blockC(layers, x) }
    x = Self.blockD(mixed7a, x)
    x = Self.blockE(mixed7b, x, maxPool: false)
    x = Self.blockE(mixed7c, x, maxPool: true)
    return x.globalAverage()
  }

  /// Runs the chain of layers `names` of `layers` on `x`, each followed by ReLU.
  static func chain(_ layers: Layers, _ names: [String], _ x: FeatureMap) -> FeatureMap {
    var y = x
    for name in names {
      guard let layer = layers[name] else { preconditionFailure("InceptionV3FID: no layer \(name)") }
      y = layer(y, .relu)
    }
    return y
  }

  static func blockA(_ l: Layers, _ x: FeatureMap) -> FeatureMap {
    FeatureMap.concatenate([
      chain(l, ["branch1x1"], x),
      chain(l, ["branch5x5_1", "branch5x5_2"], x),
      chain(l, ["branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"], x),
      chain(l, ["branch_pool"], Pooling.average3x3(x)),
    ])
  }

  static func blockB(_ l: Layers, _ x: FeatureMap) -> FeatureMap {
    FeatureMap.concatenate([
      chain(l, ["branch3x3"], x),
      chain(l, ["branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"], x),
      Pooling.max(x, kernel: 3, stride: 2),
    ])
  }

  static func blockC(_ l: Layers, _ x: FeatureMap) -> FeatureMap {
    FeatureMap.concatenate([
      chain(l, ["branch1x1"], x),
      chain(l, ["branch7x7_1", "branch7x7_2", "branch7x7_3"], x),
      chain(l, ["branch7x7dbl_1", "branch7x7dbl_2", "branch7x7dbl_3", "branch7x7dbl_4", "branch7x7dbl_5"], x),
      chain(l, ["branch_pool"], Pooling.average3x3(x)),
    ])
  }

  static func blockD(_ l: Layers, _ x: FeatureMap) -> FeatureMap {
    FeatureMap.concatenate([
      chain(l, ["branch3x3_1", "branch3x3_2"], x),
      chain(l, ["branch7x7x3_1", "branch7x7x3_2", "branch7x7x3_3", "branch7x7x3_4"], x),
      Pooling.max(x, kernel: 3, stride: 2),
    ])
  }

  static func blockE(_ l: Layers, _ x: FeatureMap, maxPool: Bool) -> FeatureMap {
    let a = chain(l, ["branch3x3_1"], x)
    let d = chain(l, ["branch3x3dbl_1", "branch3x3dbl_2"], x)
    let pooled = maxPool ? Pooling.max(x, kernel: 3, stride: 1, padding: 1) : Pooling.average3x3(x)
    return FeatureMap.concatenate([
      chain(l, ["branch1x1"], x),
      chain(l, ["branch3x3_2a"], a), chain(l, ["branch3x3_2b"], a),
      chain(l, ["branch3x3dbl_3a"], d), chain(l, ["branch3x3dbl_3b"], d),
      chain(l, ["branch_pool"], pooled),
    ])
  }
}
