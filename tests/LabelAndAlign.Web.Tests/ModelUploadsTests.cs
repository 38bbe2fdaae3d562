using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Tokenization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// Bring your own model (issue 12): <c>POST /api/checkpoints?name=</c> and the server folder import — a good upload is
/// listed with its lineage and trains as a run's base; each bad input is refused naming its file and leaves nothing on
/// disk or in the lists; the size limit; only leads and admins.
/// </summary>
public sealed class ModelUploadsTests : IDisposable
{
    private readonly TestDatabase _db = new(migrate: false);
    private readonly string _serverFolder = Path.Combine(Path.GetTempPath(), "lna-upload-tests", Guid.NewGuid().ToString("N") + "-server");

    private sealed class Host(TestDatabase database, Dictionary<string, string> settings, string environment = "Development") : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in database.Configuration) builder.UseSetting(key, value);
            builder.UseSetting("Bootstrap:AdminEmail", AppFactory.AdminEmail);
            builder.UseSetting("Bootstrap:AdminPassword", AppFactory.AdminPassword);
            builder.UseSetting("Bootstrap:ApiKey", AppFactory.AdminKey);
            builder.UseSetting("Training:PollInterval", "00:00:00.200");
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
            builder.UseEnvironment(environment);
        }

        public HttpClient Api(string? key = AppFactory.AdminKey)
        {
            var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
            if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            return client;
        }
    }

    private Host NewHost(params (string Key, string Value)[] settings) => new(_db, settings.ToDictionary(s => s.Key, s => s.Value));

    public void Dispose()
    {
        _db.Dispose();
        if (Directory.Exists(_serverFolder)) try { Directory.Delete(_serverFolder, recursive: true); } catch (IOException) { }
    }

    private const string Corpus = "The cat sat on the mat. The dog ran in the park. 1+1=2 and 2+2=4. A bird sang a song about the sea and the sky.";

    /// <summary>A tiny GPT-2-layout model with its own trained tokenizer: file name → bytes, as Hugging Face lays a model out.</summary>
    private static Dictionary<string, byte[]> TinyModel(bool vocabAndMerges = false, int seed = 5)
    {
        var tokenizer = BpeTrainer.Train(Corpus, new BpeTrainerOptions { VocabSize = 300 });
        var config = new GptConfig { VocabSize = tokenizer.VocabSize, BlockSize = 64, Channels = 32, Layers = 1, Heads = 2 };
        string dir = Directory.CreateTempSubdirectory("lna-upload-model").FullName;
        try
        {
            Checkpoint.Save(dir, new Gpt(config, seed).Parameters);
            TokenizerFiles.Save(tokenizer, dir);
            var files = new Dictionary<string, byte[]>
            {
                ["model.safetensors"] = File.ReadAllBytes(Path.Combine(dir, "model.safetensors")),
                ["config.json"] = File.ReadAllBytes(Path.Combine(dir, "config.json")),
            };
            string tokenizerJson = File.ReadAllText(Path.Combine(dir, "tokenizer.json"));
            if (!vocabAndMerges) files["tokenizer.json"] = Encoding.UTF8.GetBytes(tokenizerJson);
            else
            {
                // GPT-2's other shipping form: the same vocabulary and merges as vocab.json + merges.txt.
                var model = JsonNode.Parse(tokenizerJson)!["model"]!;
                files["vocab.json"] = Encoding.UTF8.GetBytes(model["vocab"]!.ToJsonString());
                var merges = model["merges"]!.AsArray().Select(m => m is JsonArray pair ? $"{pair[0]} {pair[1]}" : m!.GetValue<string>());
                files["merges.txt"] = Encoding.UTF8.GetBytes("#version: 0.2\n" + string.Join("\n", merges) + "\n");
            }
            return files;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static MultipartFormDataContent Multipart(Dictionary<string, byte[]> files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, bytes) in files) form.Add(new ByteArrayContent(bytes), name, name);
        return form;
    }

    private static async Task<int> UploadAsync(HttpClient api, Dictionary<string, byte[]> files, string name = "my gpt")
    {
        var response = await api.PostAsync($"/api/checkpoints?name={Uri.EscapeDataString(name)}", Multipart(files));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt32();
    }

    private static async Task<List<JsonElement>> CheckpointsAsync(HttpClient api) =>
        (await api.GetFromJsonAsync<JsonElement>("/api/checkpoints")).EnumerateArray().ToList();

    /// <summary>What the models folder holds: no staging folder and no model folder may outlive a refused upload.</summary>
    private string[] ModelFolders() => Directory.Exists(Path.Combine(_db.Directory, "models")) ? Directory.GetDirectories(Path.Combine(_db.Directory, "models")) : [];

    [Fact]
    public async Task Upload_VocabAndMergesModel_IsListedAsUploadedByTheLead_WithItsOwnTokenizer()
    {
        using var host = NewHost();
        using var api = host.Api();
        var files = TinyModel(vocabAndMerges: true);
        int id = await UploadAsync(api, files);

        var listed = (await CheckpointsAsync(api)).Single(c => c.GetProperty("id").GetInt32() == id);
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("runId").ValueKind);
        Assert.Equal("my gpt", listed.GetProperty("runName").GetString());
        Assert.Equal(AppFactory.AdminEmail, listed.GetProperty("uploadedBy").GetString());
        Assert.Equal($"my gpt · uploaded by {AppFactory.AdminEmail} on {DateTime.UtcNow:yyyy-MM-dd}", listed.GetProperty("label").GetString());

        // Stored under its final name only, with a tokenizer.json every reader takes, encoding as the uploaded pair does.
        string folder = Assert.Single(ModelFolders());
        Assert.DoesNotContain(".partial-", Path.GetFileName(folder));
        string pair = Directory.CreateTempSubdirectory("lna-pair").FullName;
        File.WriteAllBytes(Path.Combine(pair, "vocab.json"), files["vocab.json"]);
        File.WriteAllBytes(Path.Combine(pair, "merges.txt"), files["merges.txt"]);
        var uploaded = Gpt2EncoderFiles.Load(Path.Combine(pair, "vocab.json"), Path.Combine(pair, "merges.txt"));
        Directory.Delete(pair, recursive: true);
        var stored = HuggingFaceTokenizerJson.Load(Path.Combine(folder, "tokenizer.json"));
        Assert.Equal(uploaded.VocabSize, stored.VocabSize);
        Assert.Equal(uploaded.Encode("The dog sat on 1+1=2."), stored.Encode("The dog sat on 1+1=2."));

        // The zip download carries the model back.
        var zip = await api.GetAsync($"/api/checkpoints/{id}/download");
        Assert.Equal(HttpStatusCode.OK, zip.StatusCode);
        Assert.Equal($"model-{id}.zip", zip.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
    }

    public static TheoryData<string, string, string> BadUploads => new()
    {
        // case, field at fault, words the message must carry
        { "no config", "config.json", "config.json is missing" },
        { "no weights", "model.safetensors", "model.safetensors is missing" },
        { "no tokenizer", "tokenizer", "tokenizer.json, or vocab.json + merges.txt" },
        { "vocab without merges", "tokenizer", "vocab.json came without merges.txt" },
        { "config not json", "config.json", "invalid JSON" },
        { "config of another shape", "model.safetensors", "expected (300, 48)" },
        { "tokenizer bigger than the vocabulary", "tokenizer.json", "vocab_size is 200" },
        { "unexpected file", "body", "Unexpected file 'notes.txt'" },
    };

    [Theory]
    [MemberData(nameof(BadUploads))]
    public async Task Upload_BadInput_Returns400NamingTheFile_AndKeepsNothing(string badCase, string field, string words)
    {
        using var host = NewHost();
        using var api = host.Api();
        var files = TinyModel();
        var config = JsonNode.Parse(files["config.json"])!.AsObject();
        switch (badCase)
        {
            case "no config": files.Remove("config.json"); break;
            case "no weights": files.Remove("model.safetensors"); break;
            case "no tokenizer": files.Remove("tokenizer.json"); break;
            case "vocab without merges":
                files["vocab.json"] = Encoding.UTF8.GetBytes(JsonNode.Parse(files["tokenizer.json"])!["model"]!["vocab"]!.ToJsonString());
                files.Remove("tokenizer.json");
                break;
            case "config not json": files["config.json"] = "{ n_embd: 32"u8.ToArray(); break;
            case "config of another shape": config["vocab_size"] = 300; config["n_embd"] = 48; config["n_head"] = 2; files["config.json"] = Encoding.UTF8.GetBytes(config.ToJsonString()); break;
            case "tokenizer bigger than the vocabulary":
                // A config that says 200 with weights of 200 rows: the 300-token tokenizer's last ids have no embedding.
                var small = new GptConfig { VocabSize = 200, BlockSize = 64, Channels = 32, Layers = 1, Heads = 2 };
                string dir = Directory.CreateTempSubdirectory("lna-small").FullName;
                Checkpoint.Save(dir, new Gpt(small, 1).Parameters);
                files["model.safetensors"] = File.ReadAllBytes(Path.Combine(dir, "model.safetensors"));
                files["config.json"] = File.ReadAllBytes(Path.Combine(dir, "config.json"));
                Directory.Delete(dir, recursive: true);
                break;
            case "unexpected file": files["notes.txt"] = "hello"u8.ToArray(); break;
        }
        int before = (await CheckpointsAsync(api)).Count;

        var response = await api.PostAsync("/api/checkpoints?name=bad", Multipart(files));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"expected {field} in {errors}");
        Assert.Contains(words, messages.ToString());
        Assert.Empty(ModelFolders());
        Assert.Equal(before, (await CheckpointsAsync(api)).Count);
    }

    [Fact]
    public async Task Upload_BadInput_InProduction_AnswersProblemDetails_NotTheErrorPage()
    {
        // Production adds the app-wide error page handler, which used to swallow every /api input error into a 500 page.
        using var host = new Host(_db, [], "Production");
        using var api = host.Api();
        var files = TinyModel();
        files.Remove("model.safetensors");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/checkpoints?name=x") { Content = Multipart(files) };
        request.Headers.Accept.ParseAdd("*/*");
        var response = await api.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("model.safetensors is missing", body);
    }

    [Fact]
    public async Task Upload_WithoutANameOrNotMultipart_Returns400NamingIt()
    {
        using var host = NewHost();
        using var api = host.Api();
        var noName = await api.PostAsync("/api/checkpoints", Multipart(TinyModel()));
        Assert.Equal(HttpStatusCode.BadRequest, noName.StatusCode);
        Assert.True(JsonDocument.Parse(await noName.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("name", out _));
        var json = await api.PostAsJsonAsync("/api/checkpoints?name=x", new { model = "gpt2" });
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        Assert.Contains("multipart/form-data", await json.Content.ReadAsStringAsync());
        Assert.Empty(ModelFolders());
    }

    [Fact]
    public async Task Upload_OverTheSizeLimit_Returns413NamingTheSetting_AndKeepsNothing()
    {
        using var host = NewHost(("Checkpoints:MaxUploadBytes", "20000"));
        using var api = host.Api();
        var files = TinyModel();
        Assert.True(files.Values.Sum(f => f.Length) > 20000 + (1 << 20) || files["model.safetensors"].Length > 20000);
        // Chunked (no Content-Length), so the limit is met while streaming, not from the header.
        var form = Multipart(files);
        var chunked = new StreamContent(await form.ReadAsStreamAsync());
        chunked.Headers.ContentType = form.Headers.ContentType;
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/checkpoints?name=big") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        var response = await api.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, body);
        Assert.Contains("Checkpoints:MaxUploadBytes", body);
        Assert.Contains("Checkpoints:ServerFolder", body);
        Assert.Empty(ModelFolders());
        Assert.DoesNotContain(await CheckpointsAsync(api), c => c.GetProperty("runName").GetString() == "big");
    }

    [Fact]
    public async Task Upload_ByAViewerOrLabeler_IsForbidden_Anonymous_Unauthorized()
    {
        using var host = NewHost();
        using var admin = host.Api();
        foreach (var role in new[] { "Labeler", "Viewer" })
        {
            var created = await admin.PostAsJsonAsync("/api/users", new { email = $"upload-{role.ToLowerInvariant()}@example.com", password = "upload-password-1", role });
            int user = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
            string key = (await (await admin.PostAsJsonAsync($"/api/users/{user}/keys", new { })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
            using var client = host.Api(key);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/api/checkpoints?name=x", Multipart(TinyModel()))).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/api/checkpoints/import?name=x&folder=y", null)).StatusCode);
        }
        using var anonymous = host.Api(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/checkpoints?name=x", Multipart(TinyModel()))).StatusCode);
        Assert.Empty(ModelFolders());
    }

    [Fact]
    public async Task Import_FromTheServerFolder_CopiesTheModelIn_AndRefusesWhatIsNotThere()
    {
        string gpt = Path.Combine(_serverFolder, "gpt-big");
        Directory.CreateDirectory(gpt);
        foreach (var (name, bytes) in TinyModel()) File.WriteAllBytes(Path.Combine(gpt, name), bytes);
        Directory.CreateDirectory(Path.Combine(_serverFolder, "not-a-model"));
        using var host = NewHost(("Checkpoints:ServerFolder", _serverFolder));
        using var api = host.Api();

        var folder = await api.GetFromJsonAsync<JsonElement>("/api/checkpoints/server-folder");
        Assert.True(folder.GetProperty("configured").GetBoolean());
        Assert.Equal(["gpt-big"], folder.GetProperty("models").EnumerateArray().Select(m => m.GetString()));

        var missing = await api.PostAsync("/api/checkpoints/import?name=x&folder=../etc", null);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("choose one of: gpt-big", await missing.Content.ReadAsStringAsync());

        var imported = await api.PostAsync("/api/checkpoints/import?name=big%20one&folder=gpt-big", null);
        string body = await imported.Content.ReadAsStringAsync();
        Assert.True(imported.StatusCode == HttpStatusCode.OK, body);
        int id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt32();
        Assert.Contains(await CheckpointsAsync(api), c => c.GetProperty("id").GetInt32() == id && c.GetProperty("runName").GetString() == "big one");
        Assert.True(File.Exists(Path.Combine(gpt, "model.safetensors")), "the server folder's files stay where they were");
    }

    [Fact]
    public async Task Import_WithoutAServerFolder_SaysWhichSettingToSet()
    {
        using var host = NewHost();
        using var api = host.Api();
        var response = await api.PostAsync("/api/checkpoints/import?name=x&folder=y", null);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Checkpoints:ServerFolder", await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> WaitAsync(HttpClient api, int id)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        JsonElement run;
        do
        {
            run = await api.GetFromJsonAsync<JsonElement>($"/api/runs/{id}");
            if (run.GetProperty("status").GetString() is "Completed" or "Failed" or "Cancelled") return run;
            await Task.Delay(200);
        } while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"run {id} never ended: {run}");
    }

    [Theory]
    [InlineData("sft", "native")]
    [InlineData("dpo", "native")]
    [InlineData("sft", "torch")]
    [InlineData("dpo", "torch")]
    public async Task UploadedModel_AsABase_TrainsOnAWorker_AndSamplesWithItsOwnTokenizer(string algorithm, string engine)
    {
        using var host = new WorkerHost(_db);
        using var api = host.Api();
        var files = TinyModel(vocabAndMerges: algorithm == "dpo");
        int model = await UploadAsync(api, files, "own vocab");
        var datasets = (await api.GetFromJsonAsync<JsonElement>("/api/datasets")).EnumerateArray().ToList();
        int dataset;
        if (algorithm == "sft") dataset = datasets.First(d => d.GetProperty("name").GetString() == "arithmetic · SFT corpus").GetProperty("id").GetInt32();
        else
        {
            string jsonl = string.Join("\n", Enumerable.Range(1, 4).Select(i => $$"""{"prompt": "{{i}}+1=", "chosen": "{{i + 1}}", "rejected": "{{i + 2}}"}"""));
            var imported = await api.PostAsync("/api/datasets?name=prefs", new StringContent(jsonl, Encoding.UTF8, "application/x-ndjson"));
            dataset = (await imported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        }
        var launched = await api.PostAsJsonAsync("/api/runs", new
        {
            name = $"{algorithm} on upload", algorithm, source = new { datasetId = dataset }, baseCheckpointId = model,
            config = new { max_steps = 2, per_device_train_batch_size = 2, save_steps = 2, max_length = 32, eval_steps = 2, engine },
        });
        string launchBody = await launched.Content.ReadAsStringAsync();
        Assert.True(launched.StatusCode == HttpStatusCode.OK, launchBody);
        int run = JsonDocument.Parse(launchBody).RootElement.GetProperty("id").GetInt32();

        var done = await WaitAsync(api, run);
        Assert.True(done.GetProperty("status").GetString() == "Completed", done.ToString());
        Assert.Equal(model, done.GetProperty("baseCheckpointId").GetInt32());
        Assert.Equal(32, done.GetProperty("config").GetProperty("n_embd").GetInt32()); // the upload's shape, not a preset's
        var samples = (await api.GetFromJsonAsync<JsonElement>($"/api/runs/{run}/samples")).EnumerateArray().ToList();
        Assert.NotEmpty(samples);

        // The run's checkpoint carries the upload's own tokenizer (300 tokens of its corpus), so its samples are that vocabulary's text.
        int checkpoint = (await api.GetFromJsonAsync<JsonElement>($"/api/runs/{run}/checkpoints")).EnumerateArray().First().GetProperty("id").GetInt32();
        string unpacked = Directory.CreateTempSubdirectory("lna-upload-run").FullName;
        try
        {
            await using (var zip = await api.GetStreamAsync($"/api/checkpoints/{checkpoint}/download"))
                System.IO.Compression.ZipFile.ExtractToDirectory(zip, unpacked);
            var own = TokenizerFiles.Load(Assert.Single(ModelFolders()));
            var carried = TokenizerFiles.Load(unpacked);
            Assert.Equal(own.VocabSize, carried.VocabSize);
            Assert.Equal(own.Encode("The cat sat on the mat."), carried.Encode("The cat sat on the mat."));
            Assert.NotEqual(GptConfig.Preset("tiny").VocabSize, own.VocabSize);
        }
        finally
        {
            Directory.Delete(unpacked, recursive: true);
        }
    }
}
