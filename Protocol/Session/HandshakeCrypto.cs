using System.Security.Cryptography;
using PicoTalk.Protocol.Identity;

namespace PicoTalk.Protocol.Session;

/// <summary>
/// Builds and checks the three signed handshake messages and derives the session keys. Every
/// signature is ECDSA-P256-SHA256 (IEEE P1363) over a context string that names the message
/// type, followed by the transcript so far, so a signature of one message can never be passed off
/// as another's (DESIGN.md "Crypto rules").
/// </summary>
internal static class HandshakeCrypto
{
    // With the strict 91-byte SPKIs and 64-byte signatures: request 276 + response 256 + context 23.
    private const int MaxSignedData = 1024;

    public static ReadOnlySpan<byte> RequestContext => "picotalk/1 key-request"u8;

    public static ReadOnlySpan<byte> ResponseContext => "picotalk/1 key-response"u8;

    public static ReadOnlySpan<byte> ConfirmContext => "picotalk/1 key-confirm"u8;

    public static byte[] BuildRequest(IdentityKey identity, byte flags, NodeId target, ReadOnlySpan<byte> ephemeralSpki)
    {
        Span<byte> placeholder = stackalloc byte[IdentityKey.SignatureSize];
        var message = new KeyRequest(flags, target, ephemeralSpki, identity.SubjectPublicKeyInfo.Span, placeholder);
        var packet = new byte[message.TotalLength];
        KeyRequest.Write(message, packet);
        int signed = message.SignedLength;
        Sign(identity, RequestContext, packet.AsSpan(0, signed), default, packet.AsSpan(signed + HandshakeHeader.LengthPrefixSize));
        return packet;
    }

    public static byte[] BuildResponse(IdentityKey identity, byte flags, ReadOnlySpan<byte> request, ReadOnlySpan<byte> ephemeralSpki)
    {
        Span<byte> placeholder = stackalloc byte[IdentityKey.SignatureSize];
        var message = new KeyResponse(flags, ephemeralSpki, identity.SubjectPublicKeyInfo.Span, placeholder);
        var packet = new byte[message.TotalLength];
        KeyResponse.Write(message, packet);
        int signed = message.SignedLength;
        Sign(identity, ResponseContext, request, packet.AsSpan(0, signed), packet.AsSpan(signed + HandshakeHeader.LengthPrefixSize));
        return packet;
    }

    public static byte[] BuildConfirm(IdentityKey identity, byte flags, ReadOnlySpan<byte> request, ReadOnlySpan<byte> response)
    {
        Span<byte> signature = stackalloc byte[IdentityKey.SignatureSize];
        Sign(identity, ConfirmContext, request, response, signature);
        var message = new KeyConfirm(flags, signature);
        var packet = new byte[message.TotalLength];
        KeyConfirm.Write(message, packet);
        return packet;
    }

    /// <summary>Verifies a P1363 signature over context || first || second; false for any malformed input.</summary>
    public static bool Verify(ECDsa key, ReadOnlySpan<byte> context, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second,
        ReadOnlySpan<byte> signature)
    {
        int total = context.Length + first.Length + second.Length;
        if (signature.Length != IdentityKey.SignatureSize || total > MaxSignedData)
        {
            return false;
        }

        Span<byte> data = stackalloc byte[MaxSignedData];
        Concat(context, first, second, data);
        try
        {
            return key.VerifyData(data[..total], signature, HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>ECDH, transcript hash, HKDF: the four stream keys of this handshake.</summary>
    public static SessionKeys DeriveKeys(ECDiffieHellman mine, ECDiffieHellman peer, ReadOnlySpan<byte> request,
        ReadOnlySpan<byte> response, bool isInitiator)
    {
        byte[] shared = mine.DeriveRawSecretAgreement(peer.PublicKey);
        Span<byte> transcript = stackalloc byte[SHA256.HashSizeInBytes];
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash.AppendData(request);
            hash.AppendData(response);
            hash.GetHashAndReset(transcript);
            return SessionKeys.Derive(shared, transcript, isInitiator);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    public static ECDiffieHellman NewEphemeral() => ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    private static void Sign(IdentityKey identity, ReadOnlySpan<byte> context, ReadOnlySpan<byte> first,
        ReadOnlySpan<byte> second, Span<byte> signature)
    {
        int total = context.Length + first.Length + second.Length;
        if (total > MaxSignedData)
        {
            throw new ArgumentException($"handshake transcript of {total} bytes exceeds {MaxSignedData}");
        }

        Span<byte> data = stackalloc byte[MaxSignedData];
        Concat(context, first, second, data);
        identity.Sign(data[..total], signature);
    }

    private static void Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, Span<byte> destination)
    {
        a.CopyTo(destination);
        b.CopyTo(destination[a.Length..]);
        c.CopyTo(destination[(a.Length + b.Length)..]);
    }
}
