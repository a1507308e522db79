namespace PicoTalk.Ui.Web.Security;

/// <summary>
/// The admin password in &lt;state-dir&gt;/admin.json (0600, written atomically) and, until one
/// is set, the first-boot set-up code. No default password exists: until set-up the page offers
/// only the set-up form. Thread-safe.
/// </summary>
internal sealed class AdminStore
{
    public const string FileName = "admin.json";

    private readonly string _path;
    private readonly string _setupCodePath;
    private readonly int _iterations;
    private readonly Lock _lock = new();
    private AdminPasswordHash? _hash;

    /// <param name="iterations">PBKDF2 iterations for new hashes; tests of other parts may lower it.</param>
    public AdminStore(string stateDirectory, int iterations = AdminPassword.Iterations)
    {
        _path = Path.Combine(stateDirectory, FileName);
        _setupCodePath = Path.Combine(stateDirectory, SetupCode.FileName);
        _iterations = iterations;
        if (File.Exists(_path))
        {
            _hash = AdminPassword.Deserialize(File.ReadAllBytes(_path))
                ?? throw new InvalidDataException($"{_path} is damaged; delete it to set the page up again");
        }
        else
        {
            SetupCodeValue = SetupCode.LoadOrCreate(_setupCodePath);
        }
    }

    /// <summary>The code the set-up form needs; null once set up.</summary>
    public string? SetupCodeValue { get; private set; }

    public bool IsSetUp
    {
        get { lock (_lock) { return _hash is not null; } }
    }

    public bool Verify(string password)
    {
        AdminPasswordHash? hash;
        lock (_lock)
        {
            hash = _hash;
        }

        return hash is not null && AdminPassword.Verify(password, hash);
    }

    /// <summary>Sets the first password if <paramref name="code"/> is right and none is set yet.</summary>
    public SetupOutcome TrySetUp(string? code, string password)
    {
        lock (_lock)
        {
            if (_hash is not null || SetupCodeValue is null)
            {
                return SetupOutcome.AlreadySetUp;
            }

            if (!SetupCode.Matches(SetupCodeValue, code))
            {
                return SetupOutcome.WrongCode;
            }

            Store(AdminPassword.Hash(password, _iterations));
            File.Delete(_setupCodePath);
            SetupCodeValue = null;
            return SetupOutcome.Done;
        }
    }

    /// <summary>Replaces the password (the caller checked the old one).</summary>
    public void Change(string password)
    {
        var hash = AdminPassword.Hash(password, _iterations);
        lock (_lock)
        {
            Store(hash);
        }
    }

    private void Store(AdminPasswordHash hash)
    {
        SecretFile.Write(_path, AdminPassword.Serialize(hash));
        _hash = hash;
    }
}

internal enum SetupOutcome
{
    Done,
    WrongCode,
    AlreadySetUp,
}
