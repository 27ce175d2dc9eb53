using System.Runtime.InteropServices;

namespace EdgeSam.Video.Onnx.Native;

/// <summary>
/// The subset of ONNX Runtime's C API (<c>struct OrtApi</c> in include/onnxruntime/core/session/onnxruntime_c_api.h)
/// this library calls, read from the function table <c>OrtGetApiBase()-&gt;GetApi(ApiVersion)</c> returns.
/// <para>
/// The struct is append-only across releases, so each entry's index (counted member by member in the header, starting
/// at 0 with CreateStatus) is stable: a runtime newer than <see cref="ApiVersion"/> hands back the same table with
/// more entries after the ones used here. The highest index used is 208 (ReleaseCUDAProviderOptions, added in 1.11),
/// hence API version 11. Indices are checked at run time by tests that call functions with checkable behaviour
/// (status round trip, provider list, tensor metadata).
/// </para>
/// <para>OrtStatus* results are never inspected here; every caller passes them to <see cref="OrtStatusCheck.ThrowIfError"/>.</para>
/// </summary>
internal sealed unsafe class OrtApi
{
    /// <summary>The C API version requested: the lowest that has every function below (CUDA V2 options came in 11).</summary>
    public const uint ApiVersion = 11;

    // ---- OrtStatus ----
    /// <summary>[0] OrtStatus* CreateStatus(OrtErrorCode code, const char* msg)</summary>
    public readonly delegate* unmanaged[Cdecl]<int, byte*, IntPtr> CreateStatus;
    /// <summary>[1] OrtErrorCode GetErrorCode(const OrtStatus* status)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, int> GetErrorCode;
    /// <summary>[2] const char* GetErrorMessage(const OrtStatus* status) — owned by the status.</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, byte*> GetErrorMessage;
    /// <summary>[93] void ReleaseStatus(OrtStatus* input)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseStatus;

    // ---- OrtEnv ----
    /// <summary>[3] OrtStatus* CreateEnv(OrtLoggingLevel log_severity_level, const char* logid, OrtEnv** out)</summary>
    public readonly delegate* unmanaged[Cdecl]<int, byte*, IntPtr*, IntPtr> CreateEnv;
    /// <summary>[92] void ReleaseEnv(OrtEnv* input)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseEnv;

    // ---- OrtSession ----
    /// <summary>[7] OrtStatus* CreateSession(const OrtEnv* env, const ORTCHAR_T* model_path, const OrtSessionOptions* options, OrtSession** out)
    /// — ORTCHAR_T is char (UTF-8) on Linux/macOS, wchar_t on Windows.</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void*, IntPtr, IntPtr*, IntPtr> CreateSession;
    /// <summary>[8] OrtStatus* CreateSessionFromArray(const OrtEnv* env, const void* model_data, size_t model_data_length, const OrtSessionOptions* options, OrtSession** out)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, IntPtr, IntPtr*, IntPtr> CreateSessionFromArray;
    /// <summary>[9] OrtStatus* Run(OrtSession* session, const OrtRunOptions* run_options, const char* const* input_names,
    /// const OrtValue* const* inputs, size_t input_len, const char* const* output_names, size_t output_names_len, OrtValue** outputs)
    /// — an outputs[i] that is non-null is written into; a null one is allocated by ORT.</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte**, IntPtr*, nuint, byte**, nuint, IntPtr*, IntPtr> Run;
    /// <summary>[30] OrtStatus* SessionGetInputCount(const OrtSession* session, size_t* out)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr> SessionGetInputCount;
    /// <summary>[31] OrtStatus* SessionGetOutputCount(const OrtSession* session, size_t* out)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr> SessionGetOutputCount;
    /// <summary>[33] OrtStatus* SessionGetInputTypeInfo(const OrtSession* session, size_t index, OrtTypeInfo** type_info)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr*, IntPtr> SessionGetInputTypeInfo;
    /// <summary>[34] OrtStatus* SessionGetOutputTypeInfo(const OrtSession* session, size_t index, OrtTypeInfo** type_info)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr*, IntPtr> SessionGetOutputTypeInfo;
    /// <summary>[36] OrtStatus* SessionGetInputName(const OrtSession* session, size_t index, OrtAllocator* allocator, char** value)
    /// — value allocated with allocator, freed with AllocatorFree.</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr, byte**, IntPtr> SessionGetInputName;
    /// <summary>[37] OrtStatus* SessionGetOutputName(const OrtSession* session, size_t index, OrtAllocator* allocator, char** value)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr, byte**, IntPtr> SessionGetOutputName;
    /// <summary>[95] void ReleaseSession(OrtSession* input)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseSession;

    // ---- OrtSessionOptions ----
    /// <summary>[10] OrtStatus* CreateSessionOptions(OrtSessionOptions** options)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr*, IntPtr> CreateSessionOptions;
    /// <summary>[22] OrtStatus* SetSessionLogSeverityLevel(OrtSessionOptions* options, int session_log_severity_level)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> SetSessionLogSeverityLevel;
    /// <summary>[23] OrtStatus* SetSessionGraphOptimizationLevel(OrtSessionOptions* options, GraphOptimizationLevel graph_optimization_level)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> SetSessionGraphOptimizationLevel;
    /// <summary>[24] OrtStatus* SetIntraOpNumThreads(OrtSessionOptions* options, int intra_op_num_threads)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> SetIntraOpNumThreads;
    /// <summary>[25] OrtStatus* SetInterOpNumThreads(OrtSessionOptions* options, int inter_op_num_threads)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> SetInterOpNumThreads;
    /// <summary>[130] OrtStatus* AddSessionConfigEntry(OrtSessionOptions* options, const char* config_key, const char* config_value)
    /// — keys from onnxruntime_session_options_config_keys.h.</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, IntPtr> AddSessionConfigEntry;
    /// <summary>[100] void ReleaseSessionOptions(OrtSessionOptions* input)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseSessionOptions;

    // ---- OrtRunOptions ----
    /// <summary>[39] OrtStatus* CreateRunOptions(OrtRunOptions** out)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr*, IntPtr> CreateRunOptions;
    /// <summary>[41] OrtStatus* RunOptionsSetRunLogSeverityLevel(OrtRunOptions* options, int log_severity_level)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> RunOptionsSetRunLogSeverityLevel;
    /// <summary>[42] OrtStatus* RunOptionsSetRunTag(OrtRunOptions* options, const char* run_tag)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr> RunOptionsSetRunTag;
    /// <summary>[45] OrtStatus* RunOptionsGetRunTag(const OrtRunOptions* options, const char** run_tag) — owned by options.</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, byte**, IntPtr> RunOptionsGetRunTag;
    /// <summary>[46] OrtStatus* RunOptionsSetTerminate(OrtRunOptions* options)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr> RunOptionsSetTerminate;
    /// <summary>[47] OrtStatus* RunOptionsUnsetTerminate(OrtRunOptions* options)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr> RunOptionsUnsetTerminate;
    /// <summary>[97] void ReleaseRunOptions(OrtRunOptions* input)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseRunOptions;

    // ---- OrtValue ----
    /// <summary>[49] OrtStatus* CreateTensorWithDataAsOrtValue(const OrtMemoryInfo* info, void* p_data, size_t p_data_len,
    /// const int64_t* shape, size_t shape_len, ONNXTensorElementDataType type, OrtValue** out) — p_data stays owned by the caller.</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr> CreateTensorWithDataAsOrtValue;
    /// <summary>[50] OrtStatus* IsTensor(const OrtValue* value, int* out)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr> IsTensor;
    /// <summary>[51] OrtStatus* GetTensorMutableData(OrtValue* value, void** out) — valid until the value is released.</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void**, IntPtr> GetTensorMutableData;
    /// <summary>[65] OrtStatus* GetTensorTypeAndShape(const OrtValue* value, OrtTensorTypeAndShapeInfo** out) — release with ReleaseTensorTypeAndShapeInfo.</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr> GetTensorTypeAndShape;
    /// <summary>[67] OrtStatus* GetValueType(const OrtValue* value, ONNXType* out)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr> GetValueType;
    /// <summary>[96] void ReleaseValue(OrtValue* input)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseValue;

    // ---- OrtTypeInfo / OrtTensorTypeAndShapeInfo ----
    /// <summary>[55] OrtStatus* CastTypeInfoToTensorInfo(const OrtTypeInfo* type_info, const OrtTensorTypeAndShapeInfo** out)
    /// — out is owned by type_info (do not release); null when the type is not a tensor.</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr> CastTypeInfoToTensorInfo;
    /// <summary>[56] OrtStatus* GetOnnxTypeFromTypeInfo(const OrtTypeInfo* type_info, enum ONNXType* out)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr> GetOnnxTypeFromTypeInfo;
    /// <summary>[60] OrtStatus* GetTensorElementType(const OrtTensorTypeAndShapeInfo* info, enum ONNXTensorElementDataType* out)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr> GetTensorElementType;
    /// <summary>[61] OrtStatus* GetDimensionsCount(const OrtTensorTypeAndShapeInfo* info, size_t* out)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr> GetDimensionsCount;
    /// <summary>[62] OrtStatus* GetDimensions(const OrtTensorTypeAndShapeInfo* info, int64_t* dim_values, size_t dim_values_length)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, long*, nuint, IntPtr> GetDimensions;
    /// <summary>[63] OrtStatus* GetSymbolicDimensions(const OrtTensorTypeAndShapeInfo* info, const char* dim_params[], size_t dim_params_length)
    /// — strings owned by info; "" for a dimension without a name.</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, byte**, nuint, IntPtr> GetSymbolicDimensions;
    /// <summary>[98] void ReleaseTypeInfo(OrtTypeInfo* input)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseTypeInfo;
    /// <summary>[99] void ReleaseTensorTypeAndShapeInfo(OrtTensorTypeAndShapeInfo* input)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseTensorTypeAndShapeInfo;

    // ---- OrtMemoryInfo / OrtAllocator ----
    /// <summary>[69] OrtStatus* CreateCpuMemoryInfo(enum OrtAllocatorType type, enum OrtMemType mem_type, OrtMemoryInfo** out)</summary>
    public readonly delegate* unmanaged[Cdecl]<int, int, IntPtr*, IntPtr> CreateCpuMemoryInfo;
    /// <summary>[94] void ReleaseMemoryInfo(OrtMemoryInfo* input)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseMemoryInfo;
    /// <summary>[111] OrtStatus* SessionGetModelMetadata(const OrtSession* session, OrtModelMetadata** out) — release with ReleaseModelMetadata.</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr> SessionGetModelMetadata;
    /// <summary>[116] OrtStatus* ModelMetadataLookupCustomMetadataMap(const OrtModelMetadata* model_metadata, OrtAllocator* allocator,
    /// const char* key, char** value) — value null when the key is absent, else allocated with allocator.</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte*, byte**, IntPtr> ModelMetadataLookupCustomMetadataMap;
    /// <summary>[118] void ReleaseModelMetadata(OrtModelMetadata* input)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseModelMetadata;
    /// <summary>[76] OrtStatus* AllocatorFree(OrtAllocator* ort_allocator, void* p)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void*, IntPtr> AllocatorFree;
    /// <summary>[78] OrtStatus* GetAllocatorWithDefaultOptions(OrtAllocator** out) — a process-wide allocator, never freed.</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr*, IntPtr> GetAllocatorWithDefaultOptions;

    // ---- Execution providers ----
    /// <summary>[125] OrtStatus* GetAvailableProviders(char*** out_ptr, int* provider_length)</summary>
    public readonly delegate* unmanaged[Cdecl]<byte***, int*, IntPtr> GetAvailableProviders;
    /// <summary>[126] OrtStatus* ReleaseAvailableProviders(char** ptr, int providers_length)</summary>
    public readonly delegate* unmanaged[Cdecl]<byte**, int, IntPtr> ReleaseAvailableProviders;
    /// <summary>[170] OrtStatus* SessionOptionsAppendExecutionProvider_TensorRT_V2(OrtSessionOptions* options, const OrtTensorRTProviderOptionsV2* tensorrt_options)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr> SessionOptionsAppendExecutionProvider_TensorRT_V2;
    /// <summary>[171] OrtStatus* CreateTensorRTProviderOptions(OrtTensorRTProviderOptionsV2** out)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr*, IntPtr> CreateTensorRTProviderOptions;
    /// <summary>[172] OrtStatus* UpdateTensorRTProviderOptions(OrtTensorRTProviderOptionsV2* tensorrt_options,
    /// const char* const* provider_options_keys, const char* const* provider_options_values, size_t num_keys)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, byte**, byte**, nuint, IntPtr> UpdateTensorRTProviderOptions;
    /// <summary>[174] void ReleaseTensorRTProviderOptions(OrtTensorRTProviderOptionsV2* input)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseTensorRTProviderOptions;
    /// <summary>[204] OrtStatus* SessionOptionsAppendExecutionProvider_CUDA_V2(OrtSessionOptions* options, const OrtCUDAProviderOptionsV2* cuda_options)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr> SessionOptionsAppendExecutionProvider_CUDA_V2;
    /// <summary>[205] OrtStatus* CreateCUDAProviderOptions(OrtCUDAProviderOptionsV2** out)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr*, IntPtr> CreateCUDAProviderOptions;
    /// <summary>[206] OrtStatus* UpdateCUDAProviderOptions(OrtCUDAProviderOptionsV2* cuda_options,
    /// const char* const* provider_options_keys, const char* const* provider_options_values, size_t num_keys)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, byte**, byte**, nuint, IntPtr> UpdateCUDAProviderOptions;
    /// <summary>[208] void ReleaseCUDAProviderOptions(OrtCUDAProviderOptionsV2* input)</summary>
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseCUDAProviderOptions;

    /// <summary>Reads the entries from a table returned by GetApi(<see cref="ApiVersion"/>).</summary>
    internal OrtApi(IntPtr table)
    {
        var t = (IntPtr*)table;
        CreateStatus = (delegate* unmanaged[Cdecl]<int, byte*, IntPtr>)t[0];
        GetErrorCode = (delegate* unmanaged[Cdecl]<IntPtr, int>)t[1];
        GetErrorMessage = (delegate* unmanaged[Cdecl]<IntPtr, byte*>)t[2];
        CreateEnv = (delegate* unmanaged[Cdecl]<int, byte*, IntPtr*, IntPtr>)t[3];
        CreateSession = (delegate* unmanaged[Cdecl]<IntPtr, void*, IntPtr, IntPtr*, IntPtr>)t[7];
        CreateSessionFromArray = (delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, IntPtr, IntPtr*, IntPtr>)t[8];
        Run = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte**, IntPtr*, nuint, byte**, nuint, IntPtr*, IntPtr>)t[9];
        CreateSessionOptions = (delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)t[10];
        SetSessionLogSeverityLevel = (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)t[22];
        SetSessionGraphOptimizationLevel = (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)t[23];
        SetIntraOpNumThreads = (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)t[24];
        SetInterOpNumThreads = (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)t[25];
        SessionGetInputCount = (delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr>)t[30];
        SessionGetOutputCount = (delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr>)t[31];
        SessionGetInputTypeInfo = (delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr*, IntPtr>)t[33];
        SessionGetOutputTypeInfo = (delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr*, IntPtr>)t[34];
        SessionGetInputName = (delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr, byte**, IntPtr>)t[36];
        SessionGetOutputName = (delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr, byte**, IntPtr>)t[37];
        CreateRunOptions = (delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)t[39];
        RunOptionsSetRunLogSeverityLevel = (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)t[41];
        RunOptionsSetRunTag = (delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr>)t[42];
        RunOptionsGetRunTag = (delegate* unmanaged[Cdecl]<IntPtr, byte**, IntPtr>)t[45];
        RunOptionsSetTerminate = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)t[46];
        RunOptionsUnsetTerminate = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)t[47];
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr>)t[49];
        IsTensor = (delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr>)t[50];
        GetTensorMutableData = (delegate* unmanaged[Cdecl]<IntPtr, void**, IntPtr>)t[51];
        CastTypeInfoToTensorInfo = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr>)t[55];
        GetOnnxTypeFromTypeInfo = (delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr>)t[56];
        GetTensorElementType = (delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr>)t[60];
        GetDimensionsCount = (delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr>)t[61];
        GetDimensions = (delegate* unmanaged[Cdecl]<IntPtr, long*, nuint, IntPtr>)t[62];
        GetSymbolicDimensions = (delegate* unmanaged[Cdecl]<IntPtr, byte**, nuint, IntPtr>)t[63];
        GetTensorTypeAndShape = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr>)t[65];
        GetValueType = (delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr>)t[67];
        CreateCpuMemoryInfo = (delegate* unmanaged[Cdecl]<int, int, IntPtr*, IntPtr>)t[69];
        AllocatorFree = (delegate* unmanaged[Cdecl]<IntPtr, void*, IntPtr>)t[76];
        SessionGetModelMetadata = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr>)t[111];
        ModelMetadataLookupCustomMetadataMap = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte*, byte**, IntPtr>)t[116];
        ReleaseModelMetadata = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[118];
        GetAllocatorWithDefaultOptions = (delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)t[78];
        ReleaseEnv = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[92];
        ReleaseStatus = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[93];
        ReleaseMemoryInfo = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[94];
        ReleaseSession = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[95];
        ReleaseValue = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[96];
        ReleaseRunOptions = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[97];
        ReleaseTypeInfo = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[98];
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[99];
        ReleaseSessionOptions = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[100];
        GetAvailableProviders = (delegate* unmanaged[Cdecl]<byte***, int*, IntPtr>)t[125];
        AddSessionConfigEntry = (delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, IntPtr>)t[130];
        ReleaseAvailableProviders = (delegate* unmanaged[Cdecl]<byte**, int, IntPtr>)t[126];
        SessionOptionsAppendExecutionProvider_TensorRT_V2 = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr>)t[170];
        CreateTensorRTProviderOptions = (delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)t[171];
        UpdateTensorRTProviderOptions = (delegate* unmanaged[Cdecl]<IntPtr, byte**, byte**, nuint, IntPtr>)t[172];
        ReleaseTensorRTProviderOptions = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[174];
        SessionOptionsAppendExecutionProvider_CUDA_V2 = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr>)t[204];
        CreateCUDAProviderOptions = (delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)t[205];
        UpdateCUDAProviderOptions = (delegate* unmanaged[Cdecl]<IntPtr, byte**, byte**, nuint, IntPtr>)t[206];
        ReleaseCUDAProviderOptions = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[208];
    }

    /// <summary>Reads a NUL-terminated UTF-8 string ORT owns (null pointer gives "").</summary>
    internal static string Utf8(byte* s) => s == null ? "" : Marshal.PtrToStringUTF8((IntPtr)s) ?? "";
}
