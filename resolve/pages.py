"""The service's two pages, in Chinese, whole in one response: the steward's review queue
(``/review``) and the grid worker's property page (``/grid``, sized for a phone).

Each page asks for the caller's token once (kept in the browser tab's sessionStorage, sent as
a bearer token) and talks to the JSON API of ``resolve.serve``. Style and script are inline and
allowed by their hashes in the Content-Security-Policy; nothing is fetched from elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import html

CSS = """
*{box-sizing:border-box}body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;
color:#1f2933;background:#f7f8fa;font-size:15px}header{background:#12355b;color:#fff;padding:12px 16px}
header h1{margin:0;font-size:19px}header p{margin:2px 0 0;font-size:12px;opacity:.85}main{padding:10px 14px 40px;
max-width:1100px}button{font:inherit;padding:7px 14px;border-radius:4px;border:1px solid #12355b;background:#fff;
color:#12355b;cursor:pointer;margin:2px}button.primary{background:#12355b;color:#fff}button.warn{border-color:#a61b1b;
color:#a61b1b}input,select{font:inherit;padding:7px;border:1px solid #9aa5b1;border-radius:4px;max-width:100%}
.card{background:#fff;border:1px solid #d9e2ec;border-radius:6px;padding:10px 12px;margin:10px 0}
.card.done{opacity:.6}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e4e7eb;padding:4px 6px;
text-align:left;vertical-align:top;font-size:14px}th{color:#52606d;font-weight:normal;width:7em}.diff td{background:#fff4e5}
.bar{height:10px;background:#e4e7eb;border-radius:5px;overflow:hidden;margin:4px 0}.bar div{height:10px;background:#2f8132}
.msg{padding:8px;border-radius:4px;margin:8px 0}.msg.ok{background:#e3f9e5}.msg.err{background:#ffe3e3}
.muted{color:#7b8794;font-size:13px}.row{display:flex;gap:6px;flex-wrap:wrap;align-items:center}
.hidden{display:none}label{display:block;margin:6px 0 2px;color:#52606d;font-size:13px}
"""

COMMON = """
function token(){return sessionStorage.getItem('resolve-token')||'';}
function el(tag,attrs,children){var e=document.createElement(tag);attrs=attrs||{};for(var k in attrs){
if(k==='text')e.textContent=attrs[k];else if(k==='cls')e.className=attrs[k];else e.setAttribute(k,attrs[k]);}
(children||[]).forEach(function(c){if(c)e.appendChild(c);});return e;}
function api(method,path,body){var o={method:method,headers:{'Authorization':'Bearer '+token()}};
if(body!==undefined){o.headers['Content-Type']='application/json';o.body=JSON.stringify(body);}
return fetch(path,o).then(function(r){return r.json().then(function(j){if(!r.ok)throw new Error(j.error||r.status);
return j;});});}
function say(text,ok){var m=document.getElementById('msg');m.textContent=text;m.className='msg '+(ok?'ok':'err');}
function login(start){var f=document.getElementById('login');if(token()){f.classList.add('hidden');start();return;}
f.classList.remove('hidden');document.getElementById('login-go').addEventListener('click',function(){
sessionStorage.setItem('resolve-token',document.getElementById('token').value.trim());f.classList.add('hidden');
start();});}
"""

REVIEW_SCRIPT = COMMON + """
var OFFSET=0,LIMIT=10,TOTAL=0;
var FIELDS=[['department','部门'],['record_key','记录号'],['name','姓名'],['id_number','证件号'],['other_doc','其他证件'],
['sex','性别'],['birth_date','出生日期'],['phone','电话'],['registered_address','户籍地址'],
['residence_address','居住地址'],['status','状态'],['updated_at','更新日期']];
function load(){api('GET','/api/review?offset='+OFFSET+'&limit='+LIMIT).then(show).catch(function(e){
say('读取审核队列失败：'+e.message,false);if(/token/.test(e.message)){sessionStorage.removeItem('resolve-token');}});}
function progress(d){TOTAL=d.total;document.getElementById('progress-text').textContent='已决定 '+d.decided+' / 共 '+d.total+' 对';
document.getElementById('progress-bar').style.width=(d.total?100*d.decided/d.total:0)+'%';
document.getElementById('page').textContent=d.total?'第 '+(d.offset+1)+'–'+Math.min(d.offset+LIMIT,d.total)+' 对':'队列为空';}
function show(d){progress(d);var list=document.getElementById('queue');list.textContent='';
d.items.forEach(function(it){list.appendChild(card(it,d));});}
var VALUES={sex:{M:'男',F:'女'},status:{active:'正常',deceased:'死亡',moved_out:'迁出'}};
function shown(f,v){return v==null?'':(VALUES[f]&&VALUES[f][v])||v;}
function card(it,d){var rows=FIELDS.map(function(f){var a=shown(f[0],it.left[f[0]]),b=shown(f[0],it.right[f[0]]);
var tr=el('tr',{},[el('th',{text:f[1]}),el('td',{text:a}),el('td',{text:b})]);
if(a!==b)tr.className='diff';return tr;});
var c=el('div',{cls:'card pair','data-records':it.records.join(' ')},[
el('div',{cls:'row'},[el('strong',{text:'匹配概率 '+(100*it.match_probability).toFixed(1)+'%'}),
el('span',{cls:'muted',text:it.entity_ids.join(' / ')})]),
el('table',{},[el('tbody',{},rows)]),el('p',{cls:'muted',text:it.explanation||''})]);
var status=el('div',{cls:'decision'});c.appendChild(status);
if(it.decision){c.classList.add('done');status.textContent='已决定：'+(it.decision.kind==='same'?'同一人':'不同的人')+
'（'+it.decision.author+'，'+it.decision.id+'）';return c;}
var reason=el('input',{placeholder:'理由（必填），如：证件与出生日期核对一致',size:'40'});
var evidence=el('input',{placeholder:'依据（必填），如：户籍底册、入户核实',size:'30'});
function decide(kind){if(!reason.value.trim()||!evidence.value.trim()){say('请填写理由和依据',false);return;}
api('POST','/overrides',{kind:kind,records:it.records,reason:reason.value.trim(),evidence:evidence.value.trim()})
.then(function(r){say('已记录 '+r.id+'：下次重建时生效',true);load();}).catch(function(e){say('未记录：'+e.message,false);});}
var same=el('button',{cls:'primary',text:'同一人'});same.addEventListener('click',function(){decide('same');});
var diff=el('button',{cls:'warn',text:'不同的人'});diff.addEventListener('click',function(){decide('different');});
c.appendChild(el('div',{cls:'row'},[reason,evidence,same,diff]));return c;}
document.addEventListener('DOMContentLoaded',function(){
document.getElementById('prev').addEventListener('click',function(){OFFSET=Math.max(0,OFFSET-LIMIT);load();});
document.getElementById('next').addEventListener('click',function(){if(OFFSET+LIMIT<TOTAL){OFFSET+=LIMIT;load();}});login(load);});
"""

GRID_SCRIPT = COMMON + """
var CURRENT=null;
var USES=[['commercial','商铺'],['office','办公'],['industrial','厂房'],['public_toilet','公厕'],['power_room','配电房'],
['other','其他非住宅']];
function search(){var q=document.getElementById('q').value.trim();if(!q){say('请输入地址关键词',false);return;}
api('GET','/api/properties?q='+encodeURIComponent(q)).then(function(d){var list=document.getElementById('results');
list.textContent='';if(!d.properties.length)say('没有找到含这些字的房屋',false);
d.properties.forEach(function(p){var b=el('button',{cls:'card property','data-id':p.property_id},[
el('div',{text:p.address}),el('div',{cls:'muted',text:p.property_id+' · '+(p.is_dwelling?'住宅':'非住宅')+' · 登记居住 '+
p.residents+' 人'})]);b.addEventListener('click',function(){open(p.property_id);});list.appendChild(b);});})
.catch(function(e){say('查询失败：'+e.message,false);});}
function open(id){api('GET','/api/properties/'+encodeURIComponent(id)).then(function(d){CURRENT=d.property;
document.getElementById('results').textContent='';var box=document.getElementById('property');box.textContent='';
box.appendChild(el('h2',{text:d.property.address}));box.appendChild(el('p',{cls:'muted',text:d.property.property_id+
' · '+(d.property.is_dwelling?'住宅':'非住宅（'+(d.property.use||'')+'）')}));
box.appendChild(el('h3',{text:'登记在此居住（'+d.residents.length+' 人）'}));
d.residents.forEach(function(r){var moved=el('button',{cls:'warn',text:'已搬离'});
moved.addEventListener('click',function(){correct({kind:'set_attribute',entity_id:r.person_id,
attribute:'residence_property',value:'none'},'已搬离：'+r.name);});
box.appendChild(el('div',{cls:'card resident'},[el('div',{text:r.name+'（'+(r.sex==='M'?'男':r.sex==='F'?'女':'')+
(r.birth_date?'，'+r.birth_date:'')+'）'}),el('div',{cls:'muted',text:(r.id_number||'无证件')+' · '+r.person_id}),moved]));});
var sel=el('select',{id:'use'},USES.map(function(u){return el('option',{value:u[0],text:u[1]});}));
var notDwelling=el('button',{cls:'warn',text:'此处不是住宅'});notDwelling.addEventListener('click',function(){
correct({kind:'set_use',entity_id:d.property.property_id,value:sel.value},'标为非住宅');});
box.appendChild(el('h3',{text:'房屋用途'}));box.appendChild(el('div',{cls:'row'},[sel,notDwelling]));
document.getElementById('newcomer').classList.remove('hidden');}).catch(function(e){say('读取失败：'+e.message,false);});}
function correct(entry,what){var reason=document.getElementById('reason').value.trim(),
evidence=document.getElementById('evidence').value.trim();if(!reason||!evidence){say('请先填写理由和依据',false);return;}
entry.reason=reason;entry.evidence=evidence;api('POST','/overrides',entry).then(function(r){
say(what+'，已记录 '+r.id+'，下次重建时生效',true);}).catch(function(e){say('未记录：'+e.message,false);});}
function findPerson(){var rec={};['name','id_number','birth_date'].forEach(function(f){
var v=document.getElementById('p-'+f).value.trim();if(v)rec[f]=v;});
api('POST','/lookup?limit=3',rec).then(function(d){var box=document.getElementById('candidates');box.textContent='';
if(!d.candidates.length){say('库中没有找到此人：请在网格采集中登记新记录',false);return;}
d.candidates.forEach(function(c){var here=el('button',{cls:'primary',text:'住在这里'});
here.addEventListener('click',function(){correct({kind:'set_attribute',entity_id:c.person_id,
attribute:'residence_property',value:CURRENT.property_id},'新住户：'+(c.name||c.person_id));});
box.appendChild(el('div',{cls:'card candidate'},[el('div',{text:(c.name||'')+' · '+(c.birth_date||'')+' · '+
(100*c.match_probability).toFixed(1)+'%'}),el('div',{cls:'muted',text:(c.id_number||'')+' · '+c.person_id+
(c.refused?' · 不能合并：'+c.refused:'')}),here]));});}).catch(function(e){say('查找失败：'+e.message,false);});}
document.addEventListener('DOMContentLoaded',function(){login(function(){});
document.getElementById('go').addEventListener('click',search);
document.getElementById('q').addEventListener('keydown',function(e){if(e.key==='Enter')search();});
document.getElementById('find').addEventListener('click',findPerson);});
"""

LOGIN = ('<div id="login" class="card hidden"><label for="token">访问令牌</label><input id="token" type="password" '
         'size="40" autocomplete="off"><button id="login-go" class="primary">进入</button></div>'
         '<div id="msg" role="status"></div>')

BODIES = {
    "review": ("疑似重复人员审核", "数据管理员：逐对判断是否同一人，决定写入纠错日志，下次重建时生效",
               '<div class="card"><div id="progress-text"></div><div class="bar"><div id="progress-bar"></div></div>'
               '<div class="row"><button id="prev">上一页</button><span id="page" class="muted"></span>'
               '<button id="next">下一页</button></div></div><div id="queue"></div>', REVIEW_SCRIPT),
    "grid": ("网格员入户核查", "查房屋、看登记住户、记录入户发现：搬离、新住户、非住宅",
             '<div class="card"><label for="q">地址关键词（空格分开）</label><div class="row">'
             '<input id="q" placeholder="如：红荔路12号 3栋" size="24"><button id="go" class="primary">查找</button></div>'
             '<label for="reason">理由</label><input id="reason" placeholder="如：入户核实" size="30">'
             '<label for="evidence">依据</label><input id="evidence" placeholder="如：2026-12-04 走访，房东证实" size="30">'
             '</div><div id="results"></div><div id="property"></div>'
             '<div id="newcomer" class="card hidden"><h3>新住户</h3><label for="p-name">姓名</label>'
             '<input id="p-name"><label for="p-id_number">证件号</label><input id="p-id_number">'
             '<label for="p-birth_date">出生日期</label><input id="p-birth_date" placeholder="1990-01-02">'
             '<div><button id="find" class="primary">在库中查找</button></div><div id="candidates"></div></div>',
             GRID_SCRIPT),
}


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def render(name: str, info: dict) -> tuple[str, str]:
    """(the page's HTML, its Content-Security-Policy)."""
    title, subtitle, body, script = BODIES[name]
    csp = (f"default-src 'none'; style-src {_sha256(CSS)}; script-src {_sha256(script)}; connect-src 'self'; "
           "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    built = html.escape(str(info.get("finished_at", "")))
    city = html.escape(str(info.get("city", "")))
    page = ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{city} {title}</title><style>{CSS}</style><script>{script}</script></head><body>"
            f"<header><h1>{city} {title}</h1><p>{subtitle} · 基础库生成于 {built}</p></header>"
            f"<main>{LOGIN}{body}</main></body></html>")
    return page, csp
