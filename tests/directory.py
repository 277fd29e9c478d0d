"""A real OpenLDAP server on loopback for the directory tests: Debian's `slapd` (bin/test installs it once), with a
configuration and a small directory of people made here and loaded with `slapadd` before it starts."""

import shutil
import socket
import subprocess
import time

import pytest

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


class Directory:
    """slapd serving the test directory on `url` until `stop()`."""

    def __init__(self, workdir):
        if shutil.which("slapd", path="/usr/sbin:/usr/bin") is None:
            pytest.fail("slapd is missing: run bin/test, which installs it (apt-get install slapd ldap-utils)")
        (workdir / "data").mkdir()
        config = workdir / "slapd.conf"
        config.write_text(CONFIG.format(workdir=workdir, base=BASE_DN, bind_dn=BIND_DN, size_limit=SERVER_SIZE_LIMIT))
        ldif = workdir / "people.ldif"
        ldif.write_text(directory_ldif())
        subprocess.run(["/usr/sbin/slapadd", "-f", str(config), "-l", str(ldif)], check=True, capture_output=True)
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            ["/usr/sbin/slapd", "-d", "0", "-h", f"{self.url}/", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
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
