using EdgeSam.Video.Onnx;
using EdgeSam.Video.Onnx.Builder;

namespace EdgeSam.Video.Tests.Onnx;

/// <summary>Models built with <see cref="OnnxGraphBuilder"/> run through the ONNX Runtime layer: numbers, metadata, errors, ownership.</summary>
public class OrtSessionTests
{
    private static readonly OrtSessionOptions Cpu1 = OrtSessionOptions.SingleThreadedCpu();

    private static void AssertSymbols(string?[] expected, string?[] actual) =>
        Assert.True(expected.SequenceEqual(actual), $"expected [{string.Join(",", expected.Select(x => x ?? "null"))}], got [{string.Join(",", actual.Select(x => x ?? "null"))}]");

    [Fact]
    public void Add_gives_the_elementwise_sum_and_exact_metadata()
    {
        using var s = OrtInferenceSession.FromBytes(OrtTestModels.Add(), "add", Cpu1);
        Assert.Equal(["a", "b"], s.Inputs.Select(i => i.Name));
        Assert.All(s.Inputs, i =>
        {
            Assert.Equal(TensorElementType.Float, i.ElementType);
            Assert.Equal([2L, 3L], i.Shape);
            AssertSymbols([null, null], i.SymbolicDims);
        });
        Assert.Equal("c: float[2,3]", s.Outputs.Single().ToString());

        float[] a = [1, 2, 3, 4, 5, 6], b = [0.5f, -1, 10, 0, -5, 1e6f];
        using var va = OrtValue.CreateTensor(a, 2, 3);
        using var vb = OrtValue.CreateTensor(b, 2, 3);
        using OrtRunOutputs r = s.Run([("a", va), ("b", vb)]);
        Assert.Equal(["c"], r.Names);
        OrtValue c = r["c"];
        Assert.True(c.IsOrtAllocated);
        Assert.Equal([2L, 3L], c.Shape.ToArray());
        Assert.Equal(a.Zip(b, (x, y) => x + y), c.ToArray<float>());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(37)]
    public void MatMul_with_symbolic_batch_matches_a_scalar_reference(int batch)
    {
        using var s = OrtInferenceSession.FromBytes(OrtTestModels.MatMulBatch(), "matmul", Cpu1);
        OrtTensorInfo x = s.Input("x");
        Assert.Equal([-1L, 3L], x.Shape);
        AssertSymbols(["batch", null], x.SymbolicDims);
        Assert.Equal("x: float[batch,3]", x.ToString());
        AssertSymbols(["batch", null], s.Output("y").SymbolicDims);
        AssertSymbols([null, "batch"], s.Output("z").SymbolicDims);
        Assert.Equal([2L, -1L], s.Output("z").Shape);

        var rng = new Random(batch);
        float[] input = Enumerable.Range(0, batch * 3).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        using var vx = OrtValue.CreateTensor(input, batch, 3);
        using OrtRunOutputs r = s.Run([("x", vx)]);
        float[] y = r["y"].ToArray<float>(), z = r["z"].ToArray<float>();
        Assert.Equal([batch, 2L], r["y"].Shape.ToArray());
        Assert.Equal([2L, batch], r["z"].Shape.ToArray());
        float[] w = OrtTestModels.MatMulWeights;
        for (int i = 0; i < batch; i++)
            for (int j = 0; j < 2; j++)
            {
                double expected = 0;
                for (int k = 0; k < 3; k++) expected += input[i * 3 + k] * w[k * 2 + j];
                Assert.Equal(expected, y[i * 2 + j], 4);
                Assert.Equal(y[i * 2 + j], z[j * batch + i]);   // Transpose(perm = [1, 0])
            }
    }

    [Fact]
    public void Identity_int64_from_a_saved_file_round_trips_values()
    {
        string path = Path.Combine(TestPaths.NewTempDir("ort-identity"), "identity.onnx");
        new OnnxGraphBuilder("identity").AddInput("in", TensorElementType.Int64, "n").AddNode("Identity", ["in"], ["out"])
            .AddOutput("out", TensorElementType.Int64, "n").Save(path);
        using var s = new OrtInferenceSession(path, Cpu1);
        Assert.Equal(path, s.ModelName);
        Assert.Equal("in: int64[n]", s.Inputs.Single().ToString());
        long[] data = [long.MinValue, -1, 0, 1, long.MaxValue];
        using var v = OrtValue.CreateTensor(data, data.Length);
        using OrtRunOutputs r = s.Run([("in", v)]);
        Assert.Equal(data, r[0].ToArray<long>());
        Assert.Equal(TensorElementType.Int64, r[0].ElementType);
    }

    [Fact]
    public void Float_and_tensor_attributes_reach_the_operators()
    {
        using var s = OrtInferenceSession.FromBytes(OrtTestModels.GemmWithConstant(), "gemm", Cpu1);
        using var x = OrtValue.CreateTensor(new float[] { 1, 2 }, 1, 2);
        using OrtRunOutputs r = s.Run([("x", x)]);
        // alpha * x·B + beta * C + k = 2 * [1*1+2*3, 1*2+2*4] + 0.5 * [10, 20] + [100, 200] = [14+5+100, 20+10+200]
        Assert.Equal(new float[] { 119, 230 }, r["y"].ToArray<float>());
    }

    [Fact]
    public void Outputs_can_be_written_into_caller_buffers()
    {
        using var s = OrtInferenceSession.FromBytes(OrtTestModels.MatMulBatch(), "matmul", Cpu1);
        float[] input = [1, 2, 3, 4, 5, 6];
        float[] y = new float[4], z = new float[4];
        Array.Fill(y, float.NaN);
        using var vx = OrtValue.CreateTensor(input, 2, 3);
        using var vy = OrtValue.CreateTensor(y, 2, 2);
        using var vz = OrtValue.CreateTensor(z, 2, 2);
        s.Run([("x", vx)], [("y", vy), ("z", vz)]);
        Assert.Equal(new float[] { -7, 6.75f, -11.5f, 13.5f }, y);
        Assert.Equal(new float[] { -7, -11.5f, 6.75f, 13.5f }, z);
        Assert.False(vy.IsOrtAllocated);
        Assert.Equal(y, vy.GetTensorData<float>().ToArray());   // the span lies over the caller's array

        // Reuse the same buffers with new input values: results overwrite in place.
        input[0] = 0;
        s.Run([("x", vx)], [("y", vy)]);
        Assert.Equal(-8, y[0]);   // 0*1 + 2*0.5 + 3*(-3)
    }

    [Fact]
    public void Only_requested_outputs_are_computed_and_returned_in_the_order_asked()
    {
        using var s = OrtInferenceSession.FromBytes(OrtTestModels.MatMulBatch(), "matmul", Cpu1);
        using var vx = OrtValue.CreateTensor(new float[] { 1, 2, 3 }, 1, 3);
        using OrtRunOutputs r = s.Run([("x", vx)], ["z"]);
        Assert.Equal(["z"], r.Names);
        Assert.Equal([2L, 1L], r[0].Shape.ToArray());
        Assert.Contains("no output 'y'", Assert.Throws<KeyNotFoundException>(() => r["y"]).Message);
    }

    [Fact]
    public void Missing_model_file_says_so_with_the_path()
    {
        string path = Path.Combine(TestPaths.NewTempDir("ort-nofile"), "absent.onnx");
        var e = Assert.Throws<EdgeSamException>(() => new OrtInferenceSession(path));
        Assert.Equal($"model file not found: {path}", e.Message);
    }

    [Fact]
    public void Corrupt_model_file_gives_orts_reason_prefixed_with_the_path()
    {
        string path = Path.Combine(TestPaths.NewTempDir("ort-corrupt"), "random.onnx");
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<OrtException>(() => new OrtInferenceSession(path, Cpu1));
        Assert.StartsWith($"could not load ONNX model '{path}': ", e.Message);
        Assert.True(e.OrtMessage.Length > 0);
        Assert.NotEqual(OrtErrorCode.Ok, e.ErrorCode);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Wrong_input_name_lists_the_expected_inputs()
    {
        using var s = OrtInferenceSession.FromBytes(OrtTestModels.Add(), "add.onnx", Cpu1);
        using var v = OrtValue.CreateTensor(new float[6], 2, 3);
        var e = Assert.Throws<EdgeSamException>(() => s.Run([("a", v), ("bb", v)]));
        Assert.Equal("model 'add.onnx' has no input 'bb'; its inputs are a: float[2,3], b: float[2,3].", e.Message);
    }

    [Fact]
    public void Missing_input_is_named()
    {
        using var s = OrtInferenceSession.FromBytes(OrtTestModels.Add(), "add.onnx", Cpu1);
        using var v = OrtValue.CreateTensor(new float[6], 2, 3);
        var e = Assert.Throws<EdgeSamException>(() => s.Run([("a", v)]));
        Assert.Equal("model 'add.onnx' needs input(s) b: float[2,3] that were not given.", e.Message);
    }

    [Fact]
    public void Wrong_shape_or_type_says_expected_versus_got_before_calling_ort()
    {
        using var s = OrtInferenceSession.FromBytes(OrtTestModels.MatMulBatch(), "mm.onnx", Cpu1);
        using var badDim = OrtValue.CreateTensor(new float[8], 2, 4);
        Assert.Equal("input 'x' of model 'mm.onnx' expects float[batch,3], got float[2,4].",
            Assert.Throws<EdgeSamException>(() => s.Run([("x", badDim)])).Message);
        using var badRank = OrtValue.CreateTensor(new float[6], 1, 2, 3);
        Assert.Equal("input 'x' of model 'mm.onnx' expects float[batch,3], got float[1,2,3].",
            Assert.Throws<EdgeSamException>(() => s.Run([("x", badRank)])).Message);
        using var badType = OrtValue.CreateTensor(new long[6], 2, 3);
        Assert.Equal("input 'x' of model 'mm.onnx' expects float[batch,3], got int64[2,3].",
            Assert.Throws<EdgeSamException>(() => s.Run([("x", badType)])).Message);

        using var good = OrtValue.CreateTensor(new float[6], 2, 3);
        using var badOut = OrtValue.CreateTensor(new float[6], 3, 2, 1);
        Assert.Equal("output 'y' of model 'mm.onnx' is float[batch,2], but the buffer given for it is float[3,2,1].",
            Assert.Throws<EdgeSamException>(() => s.Run([("x", good)], [("y", badOut)])).Message);
    }

    [Fact]
    public void Buffer_and_shape_must_agree_when_creating_a_tensor()
    {
        Assert.Throws<ArgumentException>(() => OrtValue.CreateTensor(new float[5], 2, 3));
        Assert.Throws<ArgumentException>(() => OrtValue.CreateTensor(new float[6], -2, -3));
        using var v = OrtValue.CreateTensor(new float[6], 2, 3);
        Assert.Throws<InvalidOperationException>(() => v.GetTensorSpan<long>());
    }

    [Fact]
    public void Disposing_twice_is_safe_and_use_after_dispose_is_refused()
    {
        var s = OrtInferenceSession.FromBytes(OrtTestModels.Add(), "add", Cpu1);
        var v = OrtValue.CreateTensor(new float[6], 2, 3);
        var ro = new OrtRunOptions();
        Microsoft.ML.OnnxRuntime.SessionOptions nativeOptions = Cpu1.CreateNative();
        OrtRunOutputs r = s.Run([("a", v), ("b", v)], ro);

        r.Dispose(); r.Dispose();
        Assert.True(r[0].IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => r[0].GetTensorSpan<float>());
        s.Dispose(); s.Dispose();
        Assert.True(s.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => s.Run([("a", v), ("b", v)]));
        v.Dispose(); v.Dispose();
        Assert.True(v.IsDisposed);
        ro.Dispose(); ro.Dispose();
        nativeOptions.Dispose(); nativeOptions.Dispose();
        Assert.True(nativeOptions.IsClosed);
    }

    [Fact]
    public void Run_options_carry_a_tag_and_terminate_runs_until_cleared()
    {
        using var s = OrtInferenceSession.FromBytes(OrtTestModels.Add(), "add", Cpu1);
        using var v = OrtValue.CreateTensor(new float[6], 2, 3);
        using var ro = new OrtRunOptions { Tag = "frame-17" };
        Assert.Equal("frame-17", ro.Tag);                                  // [42] / [45]
        ro.SetLogSeverityLevel(OrtLoggingLevel.Fatal);                     // [41]
        ro.Terminate();                                                    // [46]
        var e = Assert.Throws<OrtException>(() => s.Run([("a", v), ("b", v)], ro));
        Assert.StartsWith("running model 'add': ", e.Message);
        ro.ClearTerminate();                                               // [47]
        using OrtRunOutputs r = s.Run([("a", v), ("b", v)], ro);
        Assert.Equal(new float[6], r[0].ToArray<float>());
    }

    [Fact]
    public void Session_config_entries_reach_ort()
    {
        // [130] AddSessionConfigEntry: "session.load_model_format" = "ORT" makes ORT expect its flatbuffer format, so an
        // ONNX protobuf must then fail to load; without the entry the same bytes load.
        var options = OrtSessionOptions.SingleThreadedCpu();
        options.ConfigEntries["session.load_model_format"] = "ORT";
        Assert.Throws<OrtException>(() => OrtInferenceSession.FromBytes(OrtTestModels.Add(), "add", options));
        using var ok = OrtInferenceSession.FromBytes(OrtTestModels.Add(), "add", new OrtSessionOptions { IntraOpThreads = 1, AllowThreadSpinning = false });
        Assert.Equal(2, ok.Inputs.Count);
    }

    [Fact]
    public void Concurrent_runs_on_one_session_give_each_caller_its_own_result()
    {
        using var s = OrtInferenceSession.FromBytes(OrtTestModels.MatMulBatch(), "matmul", Cpu1);
        Parallel.For(0, 4, t =>
        {
            for (int i = 0; i < 50; i++)
            {
                float[] x = [t, i, 0];
                using var v = OrtValue.CreateTensor(x, 1, 3);
                using OrtRunOutputs r = s.Run([("x", v)], ["y"]);
                float[] y = r[0].ToArray<float>();
                Assert.Equal(t * 1f + i * 0.5f, y[0], 4);
                Assert.Equal(t * -2f + i * 4f, y[1], 4);
            }
        });
    }

    [Fact]
    public void Custom_metadata_is_read_by_key_and_absent_keys_are_null()
    {
        byte[] model = new OnnxGraphBuilder("meta")
            .AddInput("a", TensorElementType.Float, 1)
            .AddNode("Identity", ["a"], ["b"])
            .AddOutput("b", TensorElementType.Float, 1)
            .AddMetadata("window_length", "16")
            .AddMetadata("note", "unicode \u00e9 and spaces")
            .ToBytes();
        using var s = OrtInferenceSession.FromBytes(model, "meta", Cpu1);
        Assert.Equal("16", s.CustomMetadata("window_length"));
        Assert.Equal("unicode \u00e9 and spaces", s.CustomMetadata("note"));
        Assert.Null(s.CustomMetadata("window_overlap"));
        using var plain = OrtInferenceSession.FromBytes(OrtTestModels.Add(), "add", Cpu1);
        Assert.Null(plain.CustomMetadata("window_length"));
    }

    [NoCudaFact]
    public void Cuda_without_its_libraries_fails_in_one_line_naming_the_missing_library()
    {
        var options = new OrtSessionOptions { ExecutionDevice = ExecutionDevice.Cuda };
        var e = Assert.ThrowsAny<EdgeSamException>(() => OrtInferenceSession.FromBytes(OrtTestModels.Add(), "add", options));
        Assert.Equal(
            $"ExecutionDevice.Cuda is unavailable: ONNX Runtime {OrtRuntime.Version} could not enable CUDAExecutionProvider " +
            "(libcublasLt.so.13: cannot open shared object file: No such file or directory); it needs an NVIDIA driver with CUDA 13 " +
            "and cuDNN 9 installed, their libraries on the loader path (e.g. LD_LIBRARY_PATH); or use the CPU device.", e.Message);
    }

    [NoCudaFact]
    public void TensorRt_without_its_libraries_fails_in_one_line_naming_the_missing_library()
    {
        var options = new OrtSessionOptions { ExecutionDevice = ExecutionDevice.TensorRt };
        var e = Assert.ThrowsAny<EdgeSamException>(() => OrtInferenceSession.FromBytes(OrtTestModels.Add(), "add", options));
        Assert.Matches(@"^ExecutionDevice\.TensorRt is unavailable: ONNX Runtime [0-9.]+ could not enable TensorrtExecutionProvider " +
            @"\(lib[a-zA-Z]+\.so\.\d+: cannot open shared object file: No such file or directory\); it needs an NVIDIA driver with " +
            @"TensorRT 10, CUDA 13 and cuDNN 9 installed, their libraries on the loader path \(e\.g\. LD_LIBRARY_PATH\); or use the CPU device\.$", e.Message);
    }

    [MirrorFact]
    public void Real_xfeat_model_runs_once_with_the_documented_shapes()
    {
        string path = Path.Combine(TestPaths.ModelMirror, "xfeat", "xfeat_320x224.onnx");
        using var s = new OrtInferenceSession(path, new OrtSessionOptions { IntraOpThreads = 2 });
        OrtTensorInfo input = s.Inputs.Single();
        Assert.Equal("input", input.Name);
        Assert.Equal([1L, 3L, 224L, 320L], input.Shape);
        Assert.Equal(3, s.Outputs.Count);

        var rng = new Random(3);
        float[] image = new float[3 * 224 * 320];
        for (int i = 0; i < image.Length; i++) image[i] = (float)rng.NextDouble();
        using var v = OrtValue.CreateTensor(image, 1, 3, 224, 320);
        using OrtRunOutputs r = s.Run([("input", v)]);
        Assert.Equal([1L, 64L, 28L, 40L], r["output"].Shape.ToArray());
        long[][] shapes = r.Select(o => o.Shape.ToArray()).ToArray();
        Assert.Contains(shapes, sh => sh.SequenceEqual(new long[] { 1, 65, 28, 40 }));   // keypoint logits
        Assert.Contains(shapes, sh => sh.SequenceEqual(new long[] { 1, 1, 28, 40 }));    // reliability
        Assert.All(r, o => Assert.All(o.ToArray<float>(), f => Assert.True(float.IsFinite(f))));
    }
}
