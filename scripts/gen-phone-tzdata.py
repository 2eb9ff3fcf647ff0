# Generates core/phone/tzdata.ts from the official Python port of libphonenumber.
# usage: pip download --no-deps -d /tmp/pn phonenumbers==9.0.43 && unzip -o -q /tmp/pn/*.whl -d /tmp/pn
#        python3 scripts/gen-phone-tzdata.py /tmp/pn 9.0.43 > core/phone/tzdata.ts
import sys, collections
root, version = sys.argv[1], sys.argv[2]
sys.path.insert(0, root)
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX
import phonenumbers
assert phonenumbers.__version__ == version, phonenumbers.__version__
groups = collections.OrderedDict()
for prefix in sorted(TIMEZONE_DATA, key=lambda p: (len(p), p)):
    zones = TIMEZONE_DATA[prefix]
    zones = (zones,) if isinstance(zones, str) else tuple(zones)
    assert all('&' not in z and ' ' not in z for z in zones)
    groups.setdefault('&'.join(zones), []).append(prefix)
out = []
w = out.append
w('// GENERATED FILE - do not edit by hand.')
w('//')
w('// libphonenumber time-zone map (resources/timezones/map_data.txt), release %s, taken from the' % version)
w('// official Python port `phonenumbers==%s` (PyPI), module phonenumbers/tzdata. This is the same' % version)
w('// libphonenumber release as the metadata inside libphonenumber-js 1.13.16 and the oracle of')
w('// test/fixtures/phone_timezones.json. Regenerate: scripts/gen-phone-tzdata.py (needs PyPI phonenumbers).')
w('//')
w('// Copyright (C) 2011-2026 The Libphonenumber Authors. Licensed under the Apache License 2.0')
w('// (http://www.apache.org/licenses/LICENSE-2.0); repackaged unchanged: zone lists joined by "&",')
w('// grouped by zone list, each group listing its E.164 digit prefixes separated by spaces.')
w('')
w("export const TZ_DATA_VERSION = '%s';" % version)
w('export const TZ_LONGEST_PREFIX = %d;' % TIMEZONE_LONGEST_PREFIX)
w('export const TZ_PREFIX_COUNT = %d;' % len(TIMEZONE_DATA))
w('')
w('/** [zones joined by "&", prefixes separated by " "] */')
w('export const TZ_GROUPS: ReadonlyArray<readonly [string, string]> = [')
for zones, prefixes in groups.items():
    w("  ['%s', '%s']," % (zones, ' '.join(prefixes)))
w('];')
w('')
print('\n'.join(out))
