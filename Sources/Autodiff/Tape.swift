import TensorCore

/// A reverse-mode tape: every differentiable operation on a `Variable` that needs gradients
/// appends one node holding its pullback; `gradients(of:seed:)` walks the nodes backwards.
///
/// Nodes are appended in creation order, so reverse order is a topological order, and the
/// gradient reaching a node from several consumers is summed in a fixed order (latest consumer
/// first), independent of threads.
public final class Tape {
  struct Node {
    let parents: [Int]
    /// Maps the upstream gradient of this node to one gradient per parent (nil: no contribution).
    let pullback: ((Tensor) -> [Tensor?])?
    let shape: [Int]
  }

  private(set) var nodes: [Node] = []

  /// An empty tape.
  public init() {}

  /// Number of recorded nodes.
  public var count: Int { nodes.count }

  /// A leaf whose gradient is wanted (a parameter, or an input of a vector-Jacobian product).
  public func variable(_ value: Tensor) -> Variable {
    nodes.append(Node(parents: [], pullback: nil, shape: value.shape))
    return Variable(value: value, node: nodes.count - 1, tape: self)
  }

  /// Records the result of an operation on `inputs`. When no input needs a gradient the result is
  /// a constant and nothing is recorded.
  static func record(
    _ value: Tensor, inputs: [Variable], pullback: @escaping (Tensor) -> [Tensor?]
  ) -> Variable {
    var tape: Tape? = nil
    for input in inputs where input.node >= 0 {
      if let existing = tape {
        precondition(existing === input.tape, "Autodiff: variables from different tapes combined")
      } else {
        tape = input.tape
      }
    }
    guard let tape else { return Variable(value) }
    let parents = inputs.map { $0.node }
    tape.nodes.append(Node(parents: parents, pullback: pullback, shape: value.shape))
    return Variable(value: value, node: tape.nodes.count - 1, tape: tape)
  }

  /// Reverse pass: the vector-Jacobian products `seed^T d output / d v` for every node `v`.
  ///
  /// - Parameters:
  ///   - output: the variable to differentiate; must belong to this tape.
  ///   - seed: the cotangent (same shape as `output`); defaults to ones, so a scalar loss gives its
  ///     gradient.
  public func gradients(of output: Variable, seed: Tensor? = nil) -> Gradients {
    precondition(output.node >= 0 && output.tape === self, "gradients(of:): output is not on this tape")
    let seedValue = seed ?? Tensor(repeating: 1, shape: output.shape)
    precondition(seedValue.shape == output.shape,
      "gradients(of:): seed shape \(seedValue.shape) differs from output shape \(output.shape)")
    var grads = [Tensor?](repeating: nil, count: output.node + 1)
    grads[output.node] = seedValue
    for index in stride(from: output.node, through: 0, by: -1) {
      guard let upstream = grads[index], let pullback = nodes[index].pullback else { continue }
      let parentGrads = pullback(upstream)
      for (parent, g) in zip(nodes[index].parents, parentGrads) {
        guard parent >= 0, let g else { continue }
        precondition(g.shape == nodes[parent].shape,
          "Autodiff: pullback produced gradient \(g.shape) for a node of shape \(nodes[parent].shape)")
        if let existing = grads[parent] {
          grads[parent] = existing + g
        } else {
          grads[parent] = g
        }
      }
      if nodes[index].pullback != nil && index != output.node { grads[index] = nil }
    }
    return Gradients(storage: grads, shapes: nodes.map { $0.shape })
  }
}

/// The gradients produced by one reverse pass.
public struct Gradients {
  var storage: [Tensor?]
  let shapes: [[Int]]

  /// The gradient with respect to `variable` (zeros when the output does not depend on it).
  public subscript(_ variable: Variable) -> Tensor {
    precondition(variable.node >= 0, "Gradients: a constant has no gradient")
    if variable.node < storage.count, let g = storage[variable.node] { return g }
    return Tensor(zeros: shapes[variable.node])
  }
}

/// A value in a differentiable computation: a tensor and, when a gradient is wanted, its node on
/// a tape. A `Variable` made with `init(_:)` is a constant.
public struct Variable {
  /// The value.
  public let value: Tensor
  let node: Int
  let tape: Tape?

  init(value: Tensor, node: Int, tape: Tape) {
    self.value = value
    self.node = node
    self.tape = tape
  }

  /// A constant (no gradient flows into it).
  public init(_ value: Tensor) {
    self.value = value
    self.node = -1
    self.tape = nil
  }

  /// The value's shape.
  public var shape: [Int] { value.shape }

  /// Whether gradients flow into this variable.
  public var requiresGradient: Bool { node >= 0 }

  /// The same value with gradients stopped (`sg(x)` in the papers).
  public var detached: Variable { Variable(value) }
}
