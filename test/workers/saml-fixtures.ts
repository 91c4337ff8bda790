/**
 * A self-signed X.509 certificate (RSA 2048, CN=zcp-test-saml-idp) and IdP metadata around it,
 * for the save-time checks of SAML provider settings. Generated once with
 * `openssl req -x509 -newkey rsa:2048 -nodes -days 7300 -subj /CN=zcp-test-saml-idp`; only the
 * certificate is kept (nothing here signs).
 */

/** PEM certificate. */
export const SAML_TEST_CERT_PEM = `-----BEGIN CERTIFICATE-----
MIIDGTCCAgGgAwIBAgIUaCq+Q4maatViIsfjtoD3RmfaycwwDQYJKoZIhvcNAQEL
BQAwHDEaMBgGA1UEAwwRemNwLXRlc3Qtc2FtbC1pZHAwHhcNMjYxMjA3MTQyMTIx
WhcNNDYxMjAyMTQyMTIxWjAcMRowGAYDVQQDDBF6Y3AtdGVzdC1zYW1sLWlkcDCC
ASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAMyN7WoPVWpfmGuhhN4qu4ne
D8judhXN67/UiNbg3kMsac5GKwqsmcYBOJm3HUMskbdZFsM9p5fXRTs3UwjGE9mA
0R/AIfS+fzxGXkSAYONCSxV7YfF24/thvitHEq+ST+1issJsh7wlepSvesx/4+r2
/lVTFzTI5aVwHSXlNq9lkuyujy7hkf1815cYZdOwA5ExFGZdx4O+Zr6QHYZijyvM
xp65uMD4lHkBYMX026udN4rnjojEixUb8BwAR1mNaeYlvmM4srQtYgCr04LbfwGR
CXpZFXyxyJQRtTAKTj4BpbsXAzBSfDDSINikRb7Ux2PnrWZWoh9tBwWkmG04qD8C
AwEAAaNTMFEwHQYDVR0OBBYEFNuoj6rPa+354RUoqqCONs9F2Ip5MB8GA1UdIwQY
MBaAFNuoj6rPa+354RUoqqCONs9F2Ip5MA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZI
hvcNAQELBQADggEBAE5IAvBFV0FzupK8siyF1T3ziwKiBjPWdadDuEz1YAmtEgFg
Cxm3DK1zFdtqusbghcRafRASuboUeih+eRyxGhlb0K+DCn8hPifd8JWsxAQBPqjz
/ZqkxvWhs6bq1jYUEJrEj6vb/auq613DY0k+m87FpU1nNnVIvy7O4lzPEwGBJ+yB
ueSSzUAOxSbdaTg2FiEY9CZfu+dhYcm/P7ZG1G6fbAFTy3ToOB8bxwwjRg4sgitT
DKYKen2//CSfLSd4UVznpGxQwc9yz1DjgpcQ/ZndxlfkE/vvvksqwcihubTkw2Y6
uzWeO2enXUeAQuQqSo0VidM/Qjo11YnO2fc1bdo=
-----END CERTIFICATE-----
`;

/** A certificate that expired on 2021-01-01 (made with Python cryptography). */
export const SAML_EXPIRED_CERT_PEM = `-----BEGIN CERTIFICATE-----
MIICwjCCAaqgAwIBAgIUYw3VqebL41oho7bhSP+xW8pFDqcwDQYJKoZIhvcNAQEL
BQAwGzEZMBcGA1UEAwwQemNwLXRlc3QtZXhwaXJlZDAeFw0yMDAxMDEwMDAwMDBa
Fw0yMTAxMDEwMDAwMDBaMBsxGTAXBgNVBAMMEHpjcC10ZXN0LWV4cGlyZWQwggEi
MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDC/mekWQ8cTBX7ZF6XV6bhTpr5
1nPHHp9yrCluUUsIHE3fEkZL+d5asdP5Ptqh+CLL1NYBBFlj/BUgmg4jmSwS8Wo6
Xi92a+FnJzd2qNRivmr9lMZRjKjiSeuh4b5tYZ4ttrr0kz4gTPGW7zs56D00G2kL
dPCmiFRluY++FAEZQ9iMxjXgfmvJB2vVyewCP6XovFXsVI1styjwDvv3939xRIxX
AaHeQFg9pDoPXFfqmCnCEL47xLkzhQ/6GfvGDZKGHzPJ7dJ3OxTCh/NpqaOLRT3l
r+EHKIlRuVACqrLPdvlCqkQjvTNt7+c7zsci+YAnTYGtCEm3wskK+Cfh2sWhAgMB
AAEwDQYJKoZIhvcNAQELBQADggEBAG9yGw+sqj2T3nOkzdFJ8L9/nOip7Y44vanz
Ni+L6vcJ6etA3LElu+3CyHQNmAgOQTLLZpEqhFpBg2RSxDVdY2rc5TUB6HWNdOLR
qYqEk7TFg0HUeyXtRJIAIDJOQcejNX4OPCM9yJvDXkQGB9O3M+mSLy0tucTZ0ent
Ube9ushwZ1sBMEnZVRSiliZmvNHNIgmbggaII/SkvoqTbIh+6iYOW883p8uBW0Ph
xU5R5G0aWyFB6RPFBxZQS63dA2ahCxXJXFsf8Y5jT4ROCG91e8ikYE6InAbbTFB4
6PoWfVw00YABbO9EfpeYDu7ThbJjlAXZOSwrwRyVfEGy742cxPU=
-----END CERTIFICATE-----
`;

/** A certificate with a 1024-bit RSA key (too weak). */
export const SAML_WEAK_CERT_PEM = `-----BEGIN CERTIFICATE-----
MIIBtzCCASCgAwIBAgIUJ53jTwlrjqHOaDIATaG9oA2yucgwDQYJKoZIhvcNAQEL
BQAwGDEWMBQGA1UEAwwNemNwLXRlc3Qtd2VhazAeFw0yMDAxMDEwMDAwMDBaFw00
NTAxMDEwMDAwMDBaMBgxFjAUBgNVBAMMDXpjcC10ZXN0LXdlYWswgZ8wDQYJKoZI
hvcNAQEBBQADgY0AMIGJAoGBAKuOtKcmrw4f5C+LxVdJnt5pIO2ILzsvHZi7sJIl
0/geD9hL4EUkZ1yl1mZgK/vV5Re1PdvOXXYVYahRdDwQNL9DM6eBqr7RwSgsFcn8
qqvKeAHcUrQ8FRVD9UNdo1t+wMVr8ScYBqzWRdm7zeqW6fPwfiteeMnj2ZA6TnNh
EzitAgMBAAEwDQYJKoZIhvcNAQELBQADgYEAM2VRyNPpIlP5W95NjFIoAJJcaxVY
jWmL6/w0VgRFkedqdLrOc+IIslpjy3rlbfEitliUbulHBoIEyidTjxNfWGmXgFiz
xGxN6sNJ5pzEwHCSQkZBSHRxcYyiI9j25PskurO3tOTPjsoGPI5/84BJarfWUOCh
7M2Q5DRG9cMMFSk=
-----END CERTIFICATE-----
`;

/** The certificate's base64 DER body. */
export const SAML_TEST_CERT_BODY = SAML_TEST_CERT_PEM.replace(/-----[A-Z ]+-----/g, "").replace(
  /\s+/g,
  "",
);

/** IdP metadata (one EntityDescriptor with an IDPSSODescriptor) for `entityId`. */
export function samlIdpMetadata(
  entityId: string,
  ssoUrl: string,
  certBody = SAML_TEST_CERT_BODY,
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data><ds:X509Certificate>${certBody}</ds:X509Certificate></ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${ssoUrl}/post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${ssoUrl}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}
