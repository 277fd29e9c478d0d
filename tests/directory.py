"""A real OpenLDAP server on loopback for the directory tests: Debian's `slapd` (bin/test installs it once), with a
configuration and a small directory of people made here and loaded with `slapadd` before it starts."""

import datetime
import ipaddress
import shutil
import socket
import subprocess
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .identity_provider import free_port

BASE_DN = "dc=example,dc=edu"
BIND_DN = f"cn=dds,{BASE_DN}"
BIND_PASSWORD = "dds-directory-secret"
# The server answers DDS's bind DN at most this many entries per search: the tests of a capped search need more.
SERVER_SIZE_LIMIT = 40
CARTERS = 45
START_TIMEOUT = 30

CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {workdir}/slapd.pid
argsfile {workdir}/slapd.args
TLSCACertificateFile {workdir}/ca.pem
TLSCertificateFile {workdir}/server.pem
TLSCertificateKeyFile {workdir}/server.key

database mdb
maxsize 104857600
suffix "{base}"
rootdn "cn=admin,{base}"
rootpw admin-secret
directory {workdir}/data
limits dn.exact="{bind_dn}" size={size_limit}
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="{bind_dn}" read by * none
"""


def _person(uid, given, family, display=None, mail=None):
    return (
        f"dn: uid={uid},ou=people,{BASE_DN}\n"
        "objectClass: inetOrgPerson\n"
        f"uid: {uid}\ncn: {given} {family}\nsn: {family}\ngivenName: {given}\n"
        f"displayName: {display or f'{given} {family}'}\nmail: {mail or f'{uid}@example.edu'}\n\n"
    )


def directory_ldif():
    entries = [
        f"dn: {BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example University\n\n",
        f"dn: {BIND_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: dds\n"
        f"userPassword: {BIND_PASSWORD}\n\n",
        f"dn: ou=people,{BASE_DN}\nobjectClass: organizationalUnit\nou: people\n\n",
        _person("ann", "Ann", "Smith"),
        _person("bob", "Bob", "Jones", mail="robert.jones@example.edu"),
        _person("jpark", "Jo", "Park", display="Jo (Jay) Park"),
        _person("star", "Asterisk", "Star", display="Star * Person"),
    ]
    entries += [_person(f"carter{n:02}", f"Pat{n:02}", "Carter") for n in range(1, CARTERS + 1)]
    return "".join(entries)


def _certificate(subject, issuer, public_key, signing_key, *, ca):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def write_certificates(workdir):
    """A test CA, and a certificate it signs for 127.0.0.1 and localhost with its key; the CA's PEM."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("DDS test CA", "DDS test CA", ca_key.public_key(), ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = _certificate("127.0.0.1", "DDS test CA", server_key.public_key(), ca_key, ca=False)
    ca_pem = ca.public_bytes(serialization.Encoding.PEM)
    (workdir / "ca.pem").write_bytes(ca_pem)
    (workdir / "server.pem").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    (workdir / "server.key").write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return ca_pem.decode()


class Directory:
    """slapd serving the test directory on `url` (StartTLS offered) and `tls_url` (ldaps://), with a certificate
    of its own test CA (`ca_pem`), until `stop()`."""

    def __init__(self, workdir):
        if shutil.which("slapd", path="/usr/sbin:/usr/bin") is None:
            pytest.fail("slapd is missing: run bin/test, which installs it (apt-get install slapd ldap-utils)")
        (workdir / "data").mkdir()
        config = workdir / "slapd.conf"
        config.write_text(CONFIG.format(workdir=workdir, base=BASE_DN, bind_dn=BIND_DN, size_limit=SERVER_SIZE_LIMIT))
        self.ca_pem = write_certificates(workdir)
        ldif = workdir / "people.ldif"
        ldif.write_text(directory_ldif())
        subprocess.run(["/usr/sbin/slapadd", "-f", str(config), "-l", str(ldif)], check=True, capture_output=True)
        self.port, tls_port = free_port(), free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.tls_url = f"ldaps://127.0.0.1:{tls_port}"
        self.process = subprocess.Popen(
            ["/usr/sbin/slapd", "-d", "0", "-h", f"{self.url}/ {self.tls_url}/", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                for port in (self.port, tls_port):
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail("slapd did not start")
                time.sleep(0.1)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
