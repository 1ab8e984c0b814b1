/** TagResource, UntagResource, ListResourceTags, and the tag rules CreateKey shares. */
import { TagException } from '../errors.js';
import type { KeyTag } from '../model/key.js';
import type { Tag } from '../model/kms-types.generated.js';
import { nextSeq } from '../model/world.js';
import { fromList, pageSize, paginate, type OperationDef } from './context.js';

/** "You can add up to 50 tags to each KMS key" (DG tags-about.md); not adjustable. */
export const MAX_TAGS_PER_KEY = 50;

/**
 * Rules for tags a request adds (lengths are model constraints, checked before): recorded texts
 * `Duplicate tag keys` (test_tag_key_with_duplicate_tag_keys_raises_error), `Tags beginning with aws: are reserved`
 * in any case (test_create_key_with_invalid_tag_key[uppercase_prefix]), `Too many tags` for more than 50
 * (test_create_key_with_too_many_tags_raises_error). `existing` is the key's current tags for TagResource.
 */
export function checkNewTags(existing: readonly KeyTag[] | undefined, tags: readonly Tag[]): void {
  const keys = new Set<string>();
  for (const tag of tags) {
    if (keys.has(tag.TagKey!)) throw new TagException('Duplicate tag keys');
    keys.add(tag.TagKey!);
  }
  for (const key of keys) if (key.toLowerCase().startsWith('aws:')) throw new TagException('Tags beginning with aws: are reserved');
  let count = existing ? existing.length : 0;
  for (const key of keys) if (!existing?.some((t) => t.TagKey === key)) count++;
  if (count > MAX_TAGS_PER_KEY) throw new TagException('Too many tags');
}

export const tagOperations: OperationDef[] = [
  {
    name: 'TagResource',
    shape: 'TagResourceRequest',
    key: { member: 'KeyId', forms: 'key' },
    action: 'kms:TagResource',
    states: 'manage',
    readOnly: false,
    usage: (key, input: { Tags: Tag[] }) => checkNewTags(key.tags, input.Tags),
    // an existing tag key gets the new value in place (recorded: test_update_and_add_tags_on_tagged_key)
    handler: (ctx, input: { Tags: Tag[] }, r) => {
      const tags = r!.key.tags;
      for (const { TagKey, TagValue } of input.Tags) {
        const existing = tags.find((t) => t.TagKey === TagKey);
        if (existing) existing.TagValue = TagValue!;
        else tags.push({ TagKey: TagKey!, TagValue: TagValue!, seq: nextSeq(ctx.world) });
      }
      return {};
    },
  },
  {
    name: 'UntagResource',
    shape: 'UntagResourceRequest',
    key: { member: 'KeyId', forms: 'key' },
    action: 'kms:UntagResource',
    states: 'manage',
    readOnly: false,
    // tag keys the key does not have are ignored (API UntagResource)
    handler: (_ctx, input: { TagKeys: string[] }, r) => {
      const tags = r!.key.tags;
      for (const k of input.TagKeys) {
        const i = tags.findIndex((t) => t.TagKey === k);
        if (i >= 0) tags.splice(i, 1);
      }
      return {};
    },
  },
  {
    name: 'ListResourceTags',
    shape: 'ListResourceTagsRequest',
    key: { member: 'KeyId', forms: 'key' },
    action: 'kms:ListResourceTags',
    states: 'any',
    readOnly: true,
    // Limit: documented 1..50, default 50 (API ListResourceTags). Markers name a tag by when it was added, so a tag
    // removed between pages skips no other (issue #10.18)
    handler: (_ctx, input: { Limit?: number; Marker?: string }, r) => {
      const { page, NextMarker, Truncated } = paginate('ListResourceTags', fromList(r!.key.tags, (t) => t.seq), (t) => t.seq, input.Marker, pageSize(input.Limit, 50, 50));
      return { Tags: page.map(({ TagKey, TagValue }) => ({ TagKey, TagValue })), ...(NextMarker ? { NextMarker } : {}), Truncated };
    },
  },
];
