using EdgeSam.Video.Models;
using EdgeSam.Video.Onnx;

namespace EdgeSam.Video.Tests.Models;

public class SignatureCheckTests
{
    private static TensorSpec T(string name, string shape, TensorElementType type = TensorElementType.Float) =>
        new(name, type, shape.Length == 0 ? [] : shape.Split(','));

    private static ModelSignature Sig(TensorSpec[] inputs, TensorSpec[] outputs) => new(inputs, outputs);

    private static readonly ModelSignature Decoder = ModelManifest.Embedded.Get("edge_sam_3x_decoder").Signature;

    [Fact]
    public void Matching_decoder_with_dynamic_or_named_points_passes()
    {
        foreach (string n in new[] { "?", "num_points", "9" })
        {
            var actual = Sig([T("image_embeddings", "1,256,64,64"), T("point_coords", $"1,{n},2"), T("point_labels", $"1,{n}")],
                             [T("scores", "1,4"), T("masks", "1,4,256,256"), T("extra_iou", "1,4")]);
            Assert.Empty(SignatureCheck.Compare("decoder", Decoder, actual));
        }
    }

    [Fact]
    public void Wrong_dimension_is_reported_precisely()
    {
        var actual = Sig([T("image_embeddings", "1,256,64,64"), T("point_coords", "1,N,3"), T("point_labels", "1,N")],
                         [T("scores", "1,4"), T("masks", "1,4,256,256")]);
        Assert.Equal(["decoder input 'point_coords': expected float32 [1,N,2], got float32 [1,N,3]"],
            SignatureCheck.Compare("decoder", Decoder, actual));
    }

    [Fact]
    public void Wrong_type_rank_missing_and_unexpected_tensors_are_each_reported()
    {
        var actual = Sig([T("image_embeddings", "1,256,64,64", TensorElementType.Float16), T("point_coords", "1,N,2"), T("mask_input", "1,1,256,256")],
                         [T("scores", "4"), T("low_res_masks", "1,4,256,256")]);
        IReadOnlyList<string> p = SignatureCheck.Compare("decoder", Decoder, actual);
        Assert.Contains("decoder input 'image_embeddings': expected float32 [1,256,64,64], got float16 [1,256,64,64]", p);
        Assert.Contains(p, s => s.StartsWith("decoder input 'point_labels': expected float32 [1,N], missing", StringComparison.Ordinal));
        Assert.Contains("decoder output 'scores': expected float32 [1,4], got float32 [4]", p);
        Assert.Contains(p, s => s.StartsWith("decoder output 'masks': expected float32 [1,4,256,256], missing (the file has outputs 'scores' float32 [4], 'low_res_masks'", StringComparison.Ordinal));
        Assert.Contains(p, s => s.StartsWith("decoder has an unexpected input 'mask_input' float32 [1,1,256,256]", StringComparison.Ordinal));
        Assert.Equal(5, p.Count);
    }

    [Fact]
    public void Symbols_bind_across_tensors_and_expressions_follow()
    {
        var expected = Sig([T("input", "1,3,H,W")], [T("desc", "1,64,H/8,W/8"), T("up", "1,1,H*2,W*2")]);
        Assert.Empty(SignatureCheck.Compare("xfeat", expected, Sig([T("input", "1,3,160,320")], [T("desc", "1,64,20,40"), T("up", "1,1,320,640")])));
        Assert.Empty(SignatureCheck.Compare("xfeat", expected, Sig([T("input", "1,3,?,?")], [T("desc", "1,64,?,?"), T("up", "1,1,?,?")])));
        Assert.Equal(["xfeat output 'desc': expected float32 [1,64,H/8,W/8] with W=320, got float32 [1,64,20,41]"],
            SignatureCheck.Compare("xfeat", expected, Sig([T("input", "1,3,160,320")], [T("desc", "1,64,20,41"), T("up", "1,1,320,640")])));
        // H=250 has no integer H/8.
        Assert.Equal(["xfeat output 'desc': expected float32 [1,64,H/8,W/8] with H=250, got float32 [1,64,31,40]"],
            SignatureCheck.Compare("xfeat", expected, Sig([T("input", "1,3,250,320")], [T("desc", "1,64,31,40"), T("up", "1,1,500,640")])));
        // A symbol used twice must take one value.
        var window = ModelManifest.Embedded.Get("cotracker_window").Signature;
        var actual = Sig([T("video", "1,16,3,384,512"), T("queries", "1,100,3")], [T("tracks", "1,8,100,2"), T("visibility", "1,16,100")]);
        Assert.Equal(["window output 'tracks': expected float32 [1,T,N,2] with T=16, got float32 [1,8,100,2]"],
            SignatureCheck.Compare("window", window, actual));
    }

    [Fact]
    public void Optional_input_may_be_absent()
    {
        var enc = ModelManifest.Embedded.Get("tapir_pointencoder").Signature;
        var actual = Sig([T("query_points", "1,N,2"), T("feature_grid", "1,32,32,256"), T("hires_feats_grid", "1,64,64,128")],
                         [T("query_feats", "1,N,256"), T("hires_query_feats", "1,N,128")]);
        Assert.Empty(SignatureCheck.Compare("tapir_pointencoder", enc, actual));
        var wrongGrid = actual with { Inputs = [actual.Inputs[0], T("feature_grid", "1,32,32,256"), T("hires_feats_grid", "1,60,60,128")] };
        Assert.Equal(["tapir_pointencoder input 'hires_feats_grid': expected float32 [1,R/4,R/4,128] with R=256, got float32 [1,60,60,128]"],
            SignatureCheck.Compare("tapir_pointencoder", enc, wrongGrid));
    }

    [Fact]
    public void FromDims_names_dynamic_dims()
    {
        TensorSpec t = TensorSpec.FromDims("x", TensorElementType.Int64, [1, -1, -1, 3], [null, "num_points", "", null]);
        Assert.Equal("int64 [1,num_points,?,3]", t.Describe());
    }
}
