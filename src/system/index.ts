/**
 * @module system
 * Whole systems (bare metal): capture of a machine's layout (disks, partition tables,
 * filesystems, LVM/MD, fstab, boot loader, kernel command line, network) with sfdisk, lsblk,
 * findmnt and blkid, and the host steps of `system restore` (partition, mkfs with the same UUIDs,
 * mount, reinstall GRUB). Files themselves are backed up and restored by the engines, through app.
 * May import: platform, core.
 */
export * from './layout.js';
export { type CaptureRequest, type CapturedSystem, captureLayout } from './capture.js';
export * from './restore-plan.js';
export { type MountedTarget, inspectTargetDisk, installBootLoader, makeFilesystems, mountTarget, writePartitionTable } from './restore-steps.js';
