namespace SharpTorch;

// Linear-algebra wrappers beyond the operators in Tensor.Ops.cs.
public sealed partial class Tensor
{
    /// <summary>beta·self + alpha·(mat1 @ mat2), as torch.addmm(self, mat1, mat2).</summary>
    public Tensor Addmm(Tensor mat1, Tensor mat2, double beta = 1, double alpha = 1) => Ops.Addmm.Call(this, mat1, mat2, beta, alpha);
}
