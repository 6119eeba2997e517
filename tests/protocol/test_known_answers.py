"""Known answers from the RFCs: each library is wired to the primitive the spec names."""

from cryptography.hazmat.bindings._rust import openssl as rust_openssl
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from support_circle.protocol import primitives

h = bytes.fromhex


def test_x25519_rfc7748_section_6_1() -> None:
    alice = h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    bob_public = h("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    assert primitives.x25519_public(alice) == h("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    shared = X25519PrivateKey.from_private_bytes(alice).exchange(X25519PublicKey.from_public_bytes(bob_public))
    assert shared == h("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")


def test_ed25519_rfc8032_test_1_and_2() -> None:
    cases = [
        (
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        ),
        (
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        ),
    ]
    for seed, public, message, signature in cases:
        assert primitives.ed25519_public(h(seed)) == h(public)
        assert primitives.ed25519_sign(h(seed), h(message)) == h(signature)
        primitives.ed25519_verify(h(public), h(signature), h(message))


def test_hkdf_sha256_rfc5869_a_1() -> None:
    okm = primitives.hkdf(b"\x0b" * 22, h("000102030405060708090a0b0c"), h("f0f1f2f3f4f5f6f7f8f9"), 42)
    assert okm == h("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")


def test_argon2id_rfc9106_section_5_3() -> None:
    # RFC 9106 uses a secret and associated data, which the protocol never does; the library call
    # is the same one primitives.argon2id makes.
    kdf = Argon2id(
        salt=b"\x02" * 16, length=32, iterations=3, lanes=4, memory_cost=32, ad=b"\x04" * 12, secret=b"\x03" * 8
    )
    assert kdf.derive(b"\x01" * 32) == h("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659")


def test_argon2id_reference_implementation_vector() -> None:
    # The phc-winner-argon2 test vector without secret or associated data, as the protocol uses it.
    tag = primitives.argon2id(b"password", b"somesalt", m_kib=65536, t=2, p=1)
    assert tag == h("09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7")


def test_hpke_rfc9180_a_1_1_base_mode() -> None:
    # The RFC's X25519 vector uses AES-128-GCM and a non-empty aad; cryptography exposes aad only
    # through this private helper, used here and nowhere else, to prove the KEM and KDF wiring.
    suite = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_128_GCM)
    recipient = X25519PrivateKey.from_private_bytes(
        h("4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8")
    )
    enc = h("37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431")
    ct = h("f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a")
    plaintext = rust_openssl.hpke._decrypt_with_aad(
        suite, enc + ct, recipient, info=h("4f6465206f6e2061204772656369616e2055726e"), aad=b"Count-0"
    )
    assert plaintext == b"Beauty is truth, truth beauty"


def test_hpke_suite_round_trip_with_the_protocols_suite() -> None:
    recipient = X25519PrivateKey.generate()
    public = recipient.public_key().public_bytes_raw()
    sealed = primitives.hpke_seal(public, b"info", b"k" * 32)
    assert len(sealed) == 32 + 32 + 16
    assert primitives.hpke_open(recipient.private_bytes_raw(), b"info", sealed) == b"k" * 32
