using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace PicoTalk.Ui.Web.Security;

/// <summary>One logged-in browser: its CSRF token (sent back in X-CSRF-Token, OWASP's "synchronizer
/// token" pattern) and when it was last used.</summary>
internal sealed class Session(string id, string csrfToken, DateTimeOffset lastSeen)
{
    public string Id { get; } = id;
    public string CsrfToken { get; } = csrfToken;
    public DateTimeOffset LastSeen { get; set; } = lastSeen;

    /// <summary>Whether <paramref name="token"/> is this session's CSRF token, compared in constant time.</summary>
    public bool CsrfMatches(string? token) =>
        token is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(CsrfToken));
}

/// <summary>
/// The sessions of the web page, in memory (a restart of the UI logs everybody out). A session
/// ends after <see cref="IdleTimeout"/> without a request; at most <see cref="MaxSessions"/> live
/// at once, the least recently used giving way. Thread-safe.
/// </summary>
internal sealed class SessionStore(TimeProvider time)
{
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(12);
    public const int MaxSessions = 64;

    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public int Count
    {
        get { lock (_lock) { return _sessions.Count; } }
    }

    public Session Create()
    {
        var now = time.GetUtcNow();
        var session = new Session(SessionCookie.NewId(), Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)), now);
        lock (_lock)
        {
            RemoveExpired(now);
            if (_sessions.Count >= MaxSessions)
            {
                _sessions.Remove(_sessions.Values.MinBy(s => s.LastSeen)!.Id);
            }

            _sessions[session.Id] = session;
        }

        return session;
    }

    /// <summary>The live session <paramref name="id"/>, marked as used now; null if unknown or idle too long.</summary>
    public Session? Touch(string? id)
    {
        if (id is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_sessions.TryGetValue(id, out var session))
            {
                return null;
            }

            if (now - session.LastSeen >= IdleTimeout)
            {
                _sessions.Remove(id);
                return null;
            }

            session.LastSeen = now;
            return session;
        }
    }

    public void Remove(string id)
    {
        lock (_lock)
        {
            _sessions.Remove(id);
        }
    }

    /// <summary>Ends every session but <paramref name="keep"/> (after a password change).</summary>
    public void RemoveAllBut(string keep)
    {
        lock (_lock)
        {
            foreach (string id in _sessions.Keys.Where(id => id != keep).ToList())
            {
                _sessions.Remove(id);
            }
        }
    }

    private void RemoveExpired(DateTimeOffset now)
    {
        foreach (var expired in _sessions.Values.Where(s => now - s.LastSeen >= IdleTimeout).ToList())
        {
            _sessions.Remove(expired.Id);
        }
    }
}
