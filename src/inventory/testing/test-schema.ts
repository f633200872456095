/**
 * An OpenLDAP schema for tests declaring what Active Directory holds for Lync / Skype for
 * Business and Exchange: the msRTCSIP-* user attributes, msRTCSIP-Pool objects with
 * dNSHostName, homeMDB, userAccountControl, and AD's `container` and `contact` classes.
 * OIDs are under a private test arc (not Microsoft's).
 */
const ARC = '1.3.6.1.4.1.55555.1';
const DN = '1.3.6.1.4.1.1466.115.121.1.12';
const DSTRING = '1.3.6.1.4.1.1466.115.121.1.15';
const BOOL = '1.3.6.1.4.1.1466.115.121.1.7';
const INT = '1.3.6.1.4.1.1466.115.121.1.27';

const at = (n: number, name: string, syntax: string, single = true): string => {
  const match =
    syntax === DN
      ? 'EQUALITY distinguishedNameMatch'
      : syntax === BOOL
        ? 'EQUALITY booleanMatch'
        : syntax === INT
          ? 'EQUALITY integerMatch'
          : 'EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch';
  return `attributetype ( ${ARC}.1.${n} NAME '${name}' ${match} SYNTAX ${syntax}${single ? ' SINGLE-VALUE' : ''} )`;
};

export const TEST_SCHEMA = [
  at(1, 'msRTCSIP-PrimaryHomeServer', DN),
  at(2, 'msRTCSIP-UserEnabled', BOOL),
  at(3, 'msRTCSIP-PrimaryUserAddress', DSTRING),
  at(4, 'msRTCSIP-Line', DSTRING),
  at(5, 'msRTCSIP-OptionFlags', INT),
  at(6, 'msRTCSIP-DeploymentLocator', DSTRING),
  at(7, 'msRTCSIP-OwnerUrn', DSTRING),
  at(8, 'homeMDB', DN),
  at(9, 'msExchRecipientTypeDetails', INT),
  at(10, 'userAccountControl', INT),
  at(11, 'dNSHostName', DSTRING),
  at(12, 'msRTCSIP-PoolDisplayName', DSTRING),
  at(13, 'msRTCSIP-PoolType', DSTRING),
  `objectclass ( ${ARC}.2.1 NAME 'lifeboatTestAccount' AUXILIARY MAY ( msRTCSIP-PrimaryHomeServer $ msRTCSIP-UserEnabled $ msRTCSIP-PrimaryUserAddress $ msRTCSIP-Line $ msRTCSIP-OptionFlags $ msRTCSIP-DeploymentLocator $ msRTCSIP-OwnerUrn $ homeMDB $ msExchRecipientTypeDetails $ userAccountControl ) )`,
  `objectclass ( ${ARC}.2.2 NAME 'msRTCSIP-Pool' SUP top STRUCTURAL MUST cn MAY ( dNSHostName $ msRTCSIP-PoolDisplayName $ msRTCSIP-PoolType ) )`,
  `objectclass ( ${ARC}.2.3 NAME 'container' SUP top STRUCTURAL MUST cn )`,
  `objectclass ( ${ARC}.2.4 NAME 'contact' SUP organizationalPerson STRUCTURAL MAY ( displayName $ mail ) )`,
].join('\n\n');
